/**
 * Hostile names and labels on the lab's dockerd: Compose services called `-V`,
 * `$(touch /tmp/pwned)` and `;rm -rf ~`, a 10,000-character label, a right-to-left override and
 * zero-width spaces. `status`, `status --json` and the grid show them harmless (no control or
 * bidi characters, lines within the terminal's width, nothing run), and a restart from the grid
 * acts on the container it names and on no other (compared by id and StartedAt).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { labDocker, requireLab, type LabInfo } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { interactiveEnv, startOnPty } from '../support/pty-terminal.js';

const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
const PWNED = '/tmp/pwned';
const PROJECT = 'zzhostile';
const COLS = 140;
const ROWS = 60;
const RLO = '\u202e';
const ZWSP = '\u200b';
const LONG = 'L'.repeat(10_000);
const SERVICES = ['-V', '$(touch /tmp/pwned)', ';rm -rf ~', `${RLO}gnp.exe${ZWSP}-zw${ZWSP}`, `long-${LONG}`];
/** Controls, DEL, C1 and bidi controls: none may reach a terminal. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const childEnv = (): NodeJS.ProcessEnv => interactiveEnv();

describe('hostile Compose names and labels', () => {
  let lab: LabInfo;
  const ids: string[] = [];
  const docker = () => labDocker(lab);
  // A container that is gone (recreated) reads as '' and so as changed.
  const startedAt = async () => new Map(await Promise.all(ids.map(async (id) => [id, (await docker().getContainer(id).inspect().catch(() => null))?.State.StartedAt ?? ''] as const)));
  const opsdeck = (...args: string[]) =>
    spawnSync(process.execPath, [...(shippedNodeFlags() as string[]), BUNDLE, ...args, '--local', '--socket', lab.docker.socketPath], { encoding: 'utf8', env: childEnv(), timeout: 60_000 });

  beforeAll(async () => {
    lab = await requireLab();
    expect(existsSync(BUNDLE), 'npm run bundle first').toBe(true);
    rmSync(PWNED, { force: true });
    const suffix = `${process.pid}-${Date.now()}`;
    for (const [n, service] of SERVICES.entries()) {
      const labels: Record<string, string> = {
        'com.docker.compose.project': PROJECT,
        'com.docker.compose.service': service,
        'com.docker.compose.container-number': '1',
        'com.docker.compose.oneoff': 'False',
        // Where a recreate would run, and with which files: hostile too.
        'com.docker.compose.project.working_dir': '/tmp/$(touch /tmp/pwned)',
        'com.docker.compose.project.config_files': `-V,;rm -rf ~,${RLO}x.yml`,
        'org.example.long': LONG,
        'org.example.note': `\u001b]0;pwned\u0007\u001b[2J${RLO}evil${ZWSP}\r\nsecond line`,
      };
      const c = await docker().createContainer({
        name: `${PROJECT}-${n}-${suffix}`,
        Image: 'busybox:1.36',
        Cmd: ['sleep', '3600'],
        Labels: labels,
        // sleep as PID 1 ignores SIGTERM: a restart would wait the whole stop timeout.
        StopTimeout: 1,
      });
      ids.push(c.id);
      await c.start();
    }
  }, 120_000);

  afterAll(async () => {
    for (const id of ids) await docker().getContainer(id).remove({ force: true }).catch(() => {});
    expect(existsSync(PWNED), `${PWNED} was created: a name was run as a command`).toBe(false);
  });

  it('status shows them on lines within the width, without control or bidi characters', () => {
    const r = opsdeck('status', '--project', PROJECT);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.status);
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of lines) {
      expect(line).not.toMatch(UNSAFE);
      // A pipe is 160 columns wide (status-table's default off a terminal).
      expect(stringWidth(line), line.slice(0, 200)).toBeLessThanOrEqual(160);
    }
    const text = r.stdout;
    expect(text).toContain('-V');
    expect(text).toContain('$(touch /tmp/pwned)');
    expect(text).toContain(';rm -rf ~');
    expect(text).toContain('gnp.exe');
    expect(existsSync(PWNED)).toBe(false);
  });

  it('status --json carries them as data: every service, no control or bidi characters', () => {
    const r = opsdeck('status', '--json', '--project', PROJECT);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(UNSAFE);
    const report = JSON.parse(r.stdout) as { projects: { name: string; services: { service: string; containers: { id: string }[] }[] }[] };
    const project = report.projects.find((p) => p.name === PROJECT);
    expect(project).toBeDefined();
    const services = project!.services.map((s) => s.service);
    expect(services).toHaveLength(SERVICES.length);
    for (const s of ['-V', '$(touch /tmp/pwned)', ';rm -rf ~', `gnp.exe${ZWSP}-zw${ZWSP}`, `long-${LONG}`]) expect(services).toContain(s);
    // Each service is the container that carries its label, by id.
    for (const [n, service] of SERVICES.entries()) {
      const shown = project!.services.find((s) => s.service === service.replace(RLO, ''));
      expect(shown?.containers.map((c) => c.id)).toEqual([ids[n]]);
    }
    expect(existsSync(PWNED)).toBe(false);
  });

  it('the grid shows them harmless, and a restart from it restarts that container and no other', async () => {
    const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, '--local', '--socket', lab.docker.socketPath];
    const { child, exited, screen, raw } = startOnPty(argv, { cols: COLS, rows: ROWS, env: childEnv() });
    const waitFor = async (what: string, cond: (lines: string[]) => boolean, ms = 30_000) => {
      const deadline = Date.now() + ms;
      let lines = await screen();
      while (!cond(lines)) {
        expect(Date.now() < deadline, `${what}; the screen:\n${lines.join('\n')}`).toBe(true);
        await sleep(100);
        lines = await screen();
      }
      return lines;
    };
    try {
      const before = await startedAt();
      const lines = await waitFor('the grid never showed the hostile services', (ls) => ls.some((l) => l.includes(';rm -rf ~')) && ls.some((l) => l.includes('gnp.exe')));
      // What the terminal received: escapes only from opsdeck itself, never the daemon's title
      // sequence, nor a bidi override.
      expect(raw()).not.toContain('pwned\u0007');
      expect(raw()).not.toContain(RLO);
      for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(COLS);

      // Pick `;rm -rf ~` with the filter, then restart it. Each key waits for the screen it
      // leads to (the lab's machine is busy: fixed sleeps lose keys to the wrong widget).
      child.stdin.write('/');
      await waitFor('the filter prompt did not open', (ls) => ls.some((l) => /^\/ *$/.test(l)));
      child.stdin.write('rm -rf');
      await waitFor('the filter did not leave `;rm -rf ~` alone', (ls) => ls.some((l) => l.startsWith('/rm -rf')) && ls.some((l) => l.includes(';rm -rf ~')) && !ls.some((l) => l.includes('gnp.exe')));
      child.stdin.write('\r');
      await waitFor('the filter was not applied', (ls) => ls.some((l) => l.startsWith('filter: /rm -rf')));
      child.stdin.write('r');
      await waitFor('no restart confirmation', (ls) => ls.some((l) => /Restart .*rm -rf/.test(l)));
      child.stdin.write('y');
      const target = ids[SERVICES.indexOf(';rm -rf ~')]!;
      const deadline = Date.now() + 30_000;
      let after = await startedAt();
      while (after.get(target) === before.get(target) && Date.now() < deadline) {
        await sleep(200);
        after = await startedAt();
      }
      expect(after.get(target), 'the named container was not restarted').not.toBe(before.get(target));
      for (const id of ids) if (id !== target) expect(after.get(id), `container ${id.slice(0, 12)} was restarted too`).toBe(before.get(id));
      await waitFor('no one-line result of the restart', (ls) => ls.some((l) => /restarted .*rm -rf/.test(l)));

      // Recreate `-V`: its service name, working directory and files are hostile. Either it is
      // refused in one line before anything runs, or compose fails on them in one line; either
      // way no other container is touched and nothing is run by a shell.
      const beforeRecreate = await startedAt();
      child.stdin.write('\u001b');
      await waitFor('the filter was not cleared', (ls) => ls.some((l) => l.includes('gnp.exe')));
      child.stdin.write('/');
      await waitFor('the filter prompt did not open again', (ls) => ls.some((l) => /^\/ *$/.test(l)));
      child.stdin.write('^-V$');
      await waitFor('the filter did not leave `-V` alone', (ls) => ls.some((l) => l.startsWith('/^-V$')) && ls.some((l) => /^\s*-V\s/.test(l)) && !ls.some((l) => /^\s+;rm -rf ~/.test(l)));
      child.stdin.write('\r');
      await waitFor('the filter was not applied', (ls) => ls.some((l) => l.startsWith('filter: /^-V$')));
      child.stdin.write('R');
      const asked = await waitFor('neither a recreate confirmation nor a refusal', (ls) => ls.some((l) => /Recreate .*-V\?|refus|not a valid|invalid/i.test(l)));
      if (asked.some((l) => /Recreate .*-V\?/.test(l))) {
        child.stdin.write('y');
        await waitFor('no one-line result of the recreate', (ls) => ls.some((l) => /recreate.*(failed|refus)|recreated .*-V|not a valid|invalid/i.test(l) && !/Recreate .*-V\?/.test(l)), 90_000);
      }
      const afterRecreate = await startedAt();
      const v = ids[SERVICES.indexOf('-V')]!;
      for (const id of ids) if (id !== v) expect(afterRecreate.get(id), `container ${id.slice(0, 12)} was touched by the recreate of -V`).toBe(beforeRecreate.get(id));

      child.stdin.write('q');
      expect(await exited).toBe(0);
      expect(raw()).not.toMatch(/\n\s+at .+[(:]\d+/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(existsSync(PWNED)).toBe(false);
  }, 120_000);
});
