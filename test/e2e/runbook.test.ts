/**
 * Runbooks from the command line against the lab: the built-ins on the lab's crash loop and
 * unhealthy service, a restart that heals, a plan that changes nothing, a run killed and resumed,
 * a secret parameter that never shows, and hostile parameter values that stay data.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { labContainers, labDocker, requireLab, type LabInfo } from '../lab/api.js';
import { runBundle } from '../support/run-bundle.js';
import { watchArgv } from './unlock-helpers.js';

const BUNDLE = 'dist/opsdeck.mjs';
const PROJECT = `e2erb${process.pid}`;
const MASK = '••••••';
let info: LabInfo;
let docker: Docker;
let cfgDir: string;
let work: string;
const created: string[] = [];

interface RunJson {
  run: string;
  status: string;
  transcript: string;
  steps: { step: string; status: string; code: number | null; captures: Record<string, string>; reason?: string }[];
}

function env(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, OPSDECK_CONFIG: path.join(cfgDir, 'config.json') };
}

function lab(): string[] {
  return ['--ssh-config', info.sshd.sshConfigPath, '--host', info.sshd.hostAlias, '--socket', info.docker.socketPath];
}

function opsdeck(args: string[], limitMs = 90_000) {
  return runBundle(BUNDLE, [...args, ...lab()], env(), limitMs);
}

function runbookFile(name: string, text: string): string {
  const file = path.join(work, `${name}.md`);
  fs.writeFileSync(file, text);
  return file;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  info = await requireLab();
  docker = labDocker(info);
  cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-rb-cfg-'));
  // Where the server (this machine, as the lab's deploy user) writes what the tests read back.
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-rb-work-'));
  fs.chmodSync(work, 0o777);
  // A service that is unhealthy until it has been restarted once: its container file system
  // keeps the marker across the restart.
  const flaky = await docker.createContainer({
    name: `${PROJECT}-flaky-1`,
    Image: 'busybox:1.36',
    Cmd: ['/bin/sh', '-c', 'if [ -f /tmp/started ]; then touch /tmp/ok; fi; touch /tmp/started; exec sleep 100000'],
    Labels: { 'opsdeck.e2e': 'runbook', 'com.docker.compose.project': PROJECT, 'com.docker.compose.service': 'flaky', 'com.docker.compose.container-number': '1', 'com.docker.compose.oneoff': 'False' },
    Healthcheck: { Test: ['CMD', 'test', '-f', '/tmp/ok'], Interval: 1e9, Timeout: 1e9, Retries: 1, StartPeriod: 0 },
    HostConfig: { NetworkMode: 'none' },
  });
  created.push(flaky.id);
  await flaky.start();
  for (const end = Date.now() + 30_000; (await flaky.inspect()).State.Health?.Status !== 'unhealthy'; await sleep(250)) {
    if (Date.now() > end) throw new Error('the flaky service did not turn unhealthy within 30 s');
  }
}, 120_000);

afterAll(async () => {
  for (const id of created) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  fs.rmSync(cfgDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

describe('built-in runbooks on the lab', () => {
  it('restart-loop: the crash loop’s exit code, restarts and last lines, then stops before acting (then=stop)', async () => {
    const loop = labContainers('crash-loop', info)[0]!;
    const r = await opsdeck(['runbook', 'run', 'restart-loop', '--param', `service=${loop.project}/${loop.service}`, '--param', 'then=stop', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as RunJson;
    expect(out.status).toBe('done');
    const exit = out.steps.find((s) => s.step === 'exit')!;
    expect(exit.status).toBe('ok');
    // The lab's mailer exits 1 every time; the loop's restarts keep climbing.
    expect(exit.captures.EXIT_CODE).toBe('1');
    expect(Number(exit.captures.RESTARTS)).toBeGreaterThan(0);
    expect(out.steps.find((s) => s.step === 'errors')!.status).toBe('ok');
    expect(out.steps.find((s) => s.step === 'restart')).toMatchObject({ status: 'skipped', reason: expect.stringContaining("then == 'restart' is false") });
    const transcript = fs.readFileSync(out.transcript, 'utf8');
    expect(transcript).toContain('SMTP_PASSWORD is not set');
  });

  it('service-unhealthy on the lab’s unhealthy search: the health log, then no restart without a terminal or --yes', async () => {
    const search = labContainers('unhealthy', info)[0]!;
    const r = await opsdeck(['runbook', 'run', 'service-unhealthy', '--param', `service=${search.project}/${search.service}`]);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/unhealthy, failing streak \d+/);
    expect(r.out).toContain('▸ deps [check]');
    expect(r.out).toMatch(/■ stopped: not confirmed/);
    expect(r.err).toContain('restart: needs confirmation and there is no terminal (give --yes)');
    expect(r.err).toMatch(/resume with: opsdeck runbook resume \S+-service-unhealthy-/);
  });

  it('service-unhealthy as a plan on an api with a one-off beside it: its dependencies, not the one-off\'s', async () => {
    const oneoff = labContainers('one-off', info)[0]!;
    const r = await opsdeck(['runbook', 'run', 'service-unhealthy', '--param', `service=${oneoff.project}/${oneoff.service}`, '--plan']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/postgres \(service_healthy\): \/shop-postgres-1 running, healthy/);
    expect(r.out).not.toContain(oneoff.name);
  });

  it('service-unhealthy with --yes restarts a service that heals on restart and waits until it is healthy', async () => {
    const r = await opsdeck(['runbook', 'run', 'service-unhealthy', '--param', `service=${PROJECT}/flaky`, '--yes', '--json'], 150_000);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as RunJson;
    expect(out.steps.map((s) => [s.step, s.status])).toEqual([
      ['health', 'ok'],
      ['errors', 'ok'],
      ['deps', 'ok'],
      ['restart', 'ok'],
      ['healthy', 'ok'],
    ]);
    expect((await docker.getContainer(created[0]!).inspect()).State.Health?.Status).toBe('healthy');
  }, 180_000);
});

describe('plans, kills and resumes', () => {
  it('--plan runs only the checks and changes nothing on the server', async () => {
    const marker = path.join(work, 'plan-marker');
    const file = runbookFile(
      'plan',
      [
        '---',
        'runbook: plan-check',
        'title: A plan changes nothing',
        '---',
        '```sh step=look kind=check',
        `test ! -e ${marker} && echo "LOOKED=yes" >> "$OPSDECK_OUT"`,
        '```',
        '```sh step=touch kind=act',
        `touch ${marker}`,
        '```',
        '```opsdeck step=stop kind=act',
        `stop ${PROJECT}/flaky`,
        '```',
        '',
      ].join('\n'),
    );
    const before = await docker.getContainer(created[0]!).inspect();
    const r = await opsdeck(['runbook', 'run', file, '--plan', '--yes', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as RunJson;
    expect(out.steps.map((s) => [s.step, s.status, s.reason ?? ''])).toEqual([
      ['look', 'ok', ''],
      ['touch', 'skipped', 'plan'],
      ['stop', 'skipped', 'plan'],
    ]);
    expect(out.steps[0]!.captures).toEqual({ LOOKED: 'yes' });
    const transcript = fs.readFileSync(out.transcript, 'utf8');
    expect(transcript).toContain(`plan: would run: opsdeck stop ${PROJECT}/flaky`);
    expect(transcript).toContain(`plan: would run: sh: touch ${marker}`);
    const after = await docker.getContainer(created[0]!).inspect();
    expect(fs.existsSync(marker)).toBe(false);
    expect({ running: after.State.Running, started: after.State.StartedAt, restarts: after.RestartCount }).toEqual({ running: before.State.Running, started: before.State.StartedAt, restarts: before.RestartCount });
  });

  it('a run killed mid-step is resumed after its last completed step, without repeating an act step', async () => {
    const log = path.join(work, 'resume-log');
    const started = path.join(work, 'resume-started');
    const file = runbookFile(
      'resume',
      [
        '---',
        'runbook: resume-check',
        'title: Killed and resumed',
        '---',
        '```sh step=first kind=act',
        `echo first >> ${log}`,
        'echo "FIRST=done" >> "$OPSDECK_OUT"',
        '```',
        '```sh step=slow kind=check timeout=60s',
        `if [ ! -e ${started} ]; then touch ${started}; sleep 30; fi`,
        '```',
        '```sh step=last kind=act',
        `echo "last after $FIRST" >> ${log}`,
        '```',
        '',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [BUNDLE, 'runbook', 'run', file, '--yes', ...lab()], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    for (const end = Date.now() + 30_000; !fs.existsSync(started); await sleep(100)) {
      if (Date.now() > end) throw new Error(`the slow step did not start: ${err}`);
    }
    const closed = new Promise((r) => child.on('close', r));
    child.kill('SIGKILL');
    await closed;
    const runId = /run (\S+-resume-check-\S+)/.exec(err)?.[1];
    expect(runId, err).toBeDefined();
    const listed = await runBundle(BUNDLE, ['runbook', 'log'], env(), 30_000);
    expect(listed.out).toMatch(new RegExp(`${runId} +interrupted +resume-check`));

    const r = await opsdeck(['runbook', 'resume', runId!, '--yes', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as RunJson;
    expect(out.status).toBe('done');
    expect(out.steps.map((s) => [s.step, s.status])).toEqual([
      ['slow', 'ok'],
      ['last', 'ok'],
    ]);
    expect(fs.readFileSync(log, 'utf8')).toBe('first\nlast after done\n');
    const events = fs.readFileSync(out.transcript, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string });
    expect(events.filter((e) => e.t === 'resume')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ t: 'end', status: 'done' });
  }, 120_000);
});

describe('secrets and hostile values', () => {
  it('a secret parameter reaches the step but never argv, the transcript or the output', async () => {
    const secret = `s3cr3t-${process.pid}-hunter2`;
    const file = runbookFile(
      'secret',
      [
        '---',
        'runbook: secret-check',
        'title: A secret stays secret',
        'params:',
        '  token:',
        '    secret: true',
        '---',
        '```sh step=use kind=check',
        'echo "token is $token"',
        'echo "TOKEN_LENGTH=${#token}" >> "$OPSDECK_OUT"',
        'echo "TOKEN_COPY=$token" >> "$OPSDECK_OUT"',
        'sleep 2',
        '```',
        '',
      ].join('\n'),
    );
    const refused = await opsdeck(['runbook', 'run', file, '--param', `token=${secret}`]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('token is secret');
    expect(refused.err).not.toContain(secret);

    const child = spawn(process.execPath, [BUNDLE, 'runbook', 'run', file, '--secret-fd', 'token=3', '--json', ...lab()], { env: env(), stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    (child.stdio[3] as NodeJS.WritableStream).end(`${secret}\n`);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    // Every process's argv on this machine, the server included, while the step runs.
    const argv = watchArgv(secret);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    const seen = await argv.stop();
    expect(code, err).toBe(0);
    expect(argv.scans()).toBeGreaterThan(0);
    expect(seen).toEqual([]);
    const result = JSON.parse(out) as RunJson;
    expect(result.steps[0]!.captures).toEqual({ TOKEN_LENGTH: String(secret.length), TOKEN_COPY: MASK });
    const transcript = fs.readFileSync(result.transcript, 'utf8');
    expect(transcript).toContain(`token is ${MASK}`);
    expect(transcript).not.toContain(secret);
    expect(out + err).not.toContain(secret);
  });

  it('parameter values with $(…), ;, quotes and newlines are only ever data', async () => {
    const pwned = path.join(work, 'pwned');
    const target = path.join(work, 'hostile-value');
    const value = `$(touch ${pwned}); touch ${pwned}; \`touch ${pwned}\` ' " \\\n${'${HOME}'} && touch ${pwned}`;
    const file = runbookFile(
      'hostile',
      [
        '---',
        'runbook: hostile-check',
        'title: Hostile values',
        'params:',
        '  value: {}',
        '  opt:',
        '    default: x',
        '---',
        '```sh step=write kind=check',
        `printf '%s' "$value" > ${target}`,
        '```',
        '```opsdeck step=option kind=check',
        'logs ${opt}',
        '```',
        '',
      ].join('\n'),
    );
    const r = await opsdeck(['runbook', 'run', file, '--param', `value=${value}`, '--param', 'opt=--follow', '--json']);
    expect(r.code, r.err).toBe(1);
    const out = JSON.parse(r.out) as RunJson;
    expect(out.steps[0]!.status).toBe('ok');
    expect(fs.readFileSync(target, 'utf8')).toBe(value);
    expect(fs.existsSync(pwned)).toBe(false);
    expect(out.steps[1]).toMatchObject({ status: 'failed', reason: expect.stringContaining("starts with '-' and would read as an option") });
  });

  it('a bad runbook file is one line with file:line, and nothing runs', async () => {
    const file = runbookFile('bad', ['---', 'runbook: bad-one', 'title: Bad', '---', '```sh step=a kind=chekc', 'touch /tmp/never', '```', ''].join('\n'));
    const before = fs.existsSync(path.join(cfgDir, 'runs')) ? fs.readdirSync(path.join(cfgDir, 'runs')).length : 0;
    const r = await opsdeck(['runbook', 'run', file]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')[0]).toMatch(new RegExp(`^opsdeck: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: `));
    const after = fs.existsSync(path.join(cfgDir, 'runs')) ? fs.readdirSync(path.join(cfgDir, 'runs')).length : 0;
    expect(after).toBe(before);
  });
});

describe('the transcript export', () => {
  it('runbook log RUN --markdown gives a postmortem with each step', async () => {
    const runs = spawnSync(process.execPath, [BUNDLE, 'runbook', 'log', '--json'], { env: env(), encoding: 'utf8' });
    const list = JSON.parse(runs.stdout) as { run: string; runbook: string }[];
    const one = list.find((x) => x.runbook === 'restart-loop')!;
    const md = spawnSync(process.execPath, [BUNDLE, 'runbook', 'log', one.run, '--markdown'], { env: env(), encoding: 'utf8' });
    expect(md.status).toBe(0);
    expect(md.stdout).toContain('### exit: Why does it exit?');
    expect(md.stdout).toContain('### restart: Restart it');
  });
});
