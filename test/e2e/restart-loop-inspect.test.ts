/**
 * A restart loop that began before opsdeck started, on a server whose dockerd has already
 * forgotten the loop's exits (it keeps only its last 256 events): `opsdeck status --json`
 * (the bundle, over the lab's sshd) must still flag it, from what inspect keeps.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { labDocker, requireLab, type LabInfo } from '../lab/api.js';
import type { StatusReport } from '../../src/model/status-report.js';

const PROJECT = `e2eloop${process.pid}`;
let info: LabInfo;
let docker: Docker;
const created: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  info = await requireLab();
  docker = labDocker(info);
});

afterAll(async () => {
  for (const id of created) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
});

/** Exits of `id` that dockerd would still replay for the last five minutes. */
async function rememberedExits(id: string): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const raw = (await docker.getEvents({ since: now - 300, until: now, filters: JSON.stringify({ container: [id], event: ['die'] }) } as never)) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of raw) text += String(chunk);
  return text.split('\n').filter((l) => l.trim()).length;
}

describe('a restart loop older than dockerd’s event memory', () => {
  it('is flagged by `status --json` from RestartCount, State and FinishedAt', async () => {
    const worker = await docker.createContainer({
      name: `${PROJECT}-worker-1`,
      Image: 'busybox:1.36',
      Cmd: ['/bin/sh', '-c', 'sleep 1; exit 3'],
      Labels: { 'opsdeck.e2e': 'restart-loop', 'com.docker.compose.project': PROJECT, 'com.docker.compose.service': 'worker', 'com.docker.compose.container-number': '1', 'com.docker.compose.oneoff': 'False' },
      HostConfig: { NetworkMode: 'none', RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } },
    });
    created.push(worker.id);
    await worker.start();
    for (const end = Date.now() + 60_000; ((await worker.inspect()).RestartCount ?? 0) < 4; await sleep(250)) {
      if (Date.now() > end) throw new Error('the worker did not restart four times within 60 s');
    }

    // Fill dockerd's memory with other events (a rename is one event and needs no start).
    const helper = await docker.createContainer({ name: `${PROJECT}-filler`, Image: 'busybox:1.36', Cmd: ['true'], Labels: { 'opsdeck.e2e': 'restart-loop' }, HostConfig: { NetworkMode: 'none' } });
    created.push(helper.id);
    for (let i = 0; i < 300; i++) await helper.rename({ name: `${PROJECT}-filler-${i}` });
    const remembered = await rememberedExits(worker.id);
    expect(remembered, 'dockerd should have forgotten the loop’s earlier exits').toBeLessThan(3);

    const r = spawnSync(
      process.execPath,
      ['dist/opsdeck.mjs', 'status', '--json', '--project', PROJECT, '--ssh-config', info.sshd.sshConfigPath, '--host', info.sshd.hostAlias, '--socket', info.docker.socketPath],
      { encoding: 'utf8', env: { ...process.env, OPSDECK_CONFIG: '/nonexistent/opsdeck-e2e.json' }, timeout: 60_000 },
    );
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as StatusReport;
    const svc = report.projects.find((p) => p.name === PROJECT)?.services.find((s) => s.service === 'worker');
    expect(svc, r.stdout).toBeDefined();
    expect(svc!.restarts).toBeGreaterThanOrEqual(4);
    expect(svc!.restartLoop).toBe(true);
    expect(svc!.reasons).toContain('restart-loop');
    expect(report.faults).toContainEqual({ project: PROJECT, service: 'worker', reasons: expect.arrayContaining(['restart-loop']) });
    expect(r.status).toBe(1);
  }, 120_000);
});
