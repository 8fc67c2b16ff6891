/**
 * The deploy-with-rollback built-in against a Compose project on the lab's server: a good new
 * version goes live (migrations first, in a throwaway container); a version whose health check
 * fails is rolled back by itself to the recorded image, which ends healthy.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { labDocker, requireLab, type LabInfo } from '../lab/api.js';
import { runBundle } from '../support/run-bundle.js';

const BUNDLE = 'dist/opsdeck.mjs';
const PROJECT = `e2edeploy${process.pid}`;
const REPO = `e2edeploy${process.pid}/app`;
let info: LabInfo;
let docker: Docker;
let dir: string;
let cfgDir: string;
const ids: Record<string, string> = {};

interface RunJson {
  status: string;
  steps: { step: string; status: string }[];
  transcript: string;
}

/** An image from the lab's busybox with `files` touched in it, tagged REPO:tag. */
async function image(tag: string, files: string[]): Promise<string> {
  const c = await docker.createContainer({ Image: 'busybox:1.36', Cmd: files.length ? ['touch', ...files] : ['true'], HostConfig: { NetworkMode: 'none' } });
  await c.start();
  await c.wait();
  const { Id } = (await c.commit({ repo: REPO, tag })) as { Id: string };
  await c.remove();
  return Id;
}

function compose(args: string[]): void {
  execFileSync('docker-compose', ['-p', PROJECT, ...args], { cwd: dir, env: { ...process.env, DOCKER_HOST: `unix://${info.docker.socketPath}` }, stdio: 'pipe' });
}

async function running(): Promise<{ image: string; health: string | undefined }> {
  const [c] = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`com.docker.compose.project=${PROJECT}`, 'com.docker.compose.service=app'] }) });
  const i = await docker.getContainer(c!.Id).inspect();
  return { image: i.Image, health: i.State.Health?.Status };
}

function deploy(extra: string[]) {
  return runBundle(
    BUNDLE,
    ['runbook', 'run', 'deploy-with-rollback', '--param', `service=${PROJECT}/app`, '--param', 'pull=no', '--yes', '--json', ...extra, '--ssh-config', info.sshd.sshConfigPath, '--host', info.sshd.hostAlias, '--socket', info.docker.socketPath],
    { PATH: process.env.PATH, HOME: process.env.HOME, OPSDECK_CONFIG: path.join(cfgDir, 'config.json') },
    170_000,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  info = await requireLab();
  docker = labDocker(info);
  cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-deploy-cfg-'));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-deploy-'));
  // The lab's deploy user reads the Compose file and works in this directory.
  fs.chmodSync(dir, 0o755);
  ids.good = await image('good', ['/healthy']);
  ids.good2 = await image('good2', ['/healthy', '/v2']);
  ids.bad = await image('bad', []);
  fs.writeFileSync(
    path.join(dir, 'docker-compose.yml'),
    [
      'version: "2.4"',
      'services:',
      '  app:',
      `    image: ${REPO}:\${APP_TAG:-good}`,
      '    network_mode: none',
      '    command: ["sleep", "100000"]',
      '    healthcheck:',
      '      test: ["CMD", "test", "-f", "/healthy"]',
      '      interval: 1s',
      '      timeout: 1s',
      '      retries: 1',
      '',
    ].join('\n'),
  );
  compose(['up', '-d']);
  for (const end = Date.now() + 30_000; (await running()).health !== 'healthy'; await sleep(250)) {
    if (Date.now() > end) throw new Error('the first version did not turn healthy within 30 s');
  }
}, 120_000);

afterAll(async () => {
  try {
    compose(['down', '--remove-orphans']);
  } catch {
    // already gone
  }
  for (const tag of ['good', 'good2', 'bad']) await docker.getImage(`${REPO}:${tag}`).remove({ force: true }).catch(() => undefined);
  await docker.getImage(`opsdeck-rollback/${PROJECT}-app:previous`).remove().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(cfgDir, { recursive: true, force: true });
});

describe('deploy-with-rollback', () => {
  it('deploys a healthy new version after its migration ran in a throwaway container', async () => {
    const r = await deploy(['--param', 'set=APP_TAG=good2', '--param', 'migrate=echo migrated-in-$(hostname)']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as RunJson;
    expect(out.steps.map((s) => [s.step, s.status])).toEqual([
      ['record', 'ok'],
      ['pull', 'ok'],
      ['migrate', 'ok'],
      ['up', 'ok'],
      ['health', 'ok'],
      ['done', 'ok'],
      ['why', 'skipped'],
      ['rollback', 'skipped'],
      ['rolled-back', 'skipped'],
    ]);
    expect(fs.readFileSync(out.transcript, 'utf8')).toMatch(/migrated-in-[0-9a-f]{12}/);
    expect(await running()).toEqual({ image: ids.good2, health: 'healthy' });
  }, 180_000);

  it('rolls a version whose health check fails back to the recorded image, healthy, and says why', async () => {
    const r = await deploy(['--param', 'set=APP_TAG=bad']);
    expect(r.code, r.err).toBe(1);
    const out = JSON.parse(r.out) as RunJson;
    expect(out.status).toBe('failed');
    expect(out.steps.map((s) => [s.step, s.status])).toEqual([
      ['record', 'ok'],
      ['pull', 'ok'],
      ['migrate', 'skipped'],
      ['up', 'ok'],
      ['health', 'timeout'],
      ['why', 'ok'],
      ['rollback', 'ok'],
      ['rolled-back', 'ok'],
    ]);
    const transcript = fs.readFileSync(out.transcript, 'utf8');
    expect(transcript).toMatch(/unhealthy/);
    expect(await running()).toEqual({ image: ids.good2, health: 'healthy' });
  }, 180_000);
});
