/**
 * The live grid and `opsdeck status` against the lab's real Docker Engine, reached over the
 * lab's real sshd: what opsdeck says must be what the Engine says.
 */
import { runCli } from '../support/run-cli.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { requireLab, labDocker, labContainers, type LabInfo } from '../lab/api.js';
import { connect, type ServerConnection } from '../../src/transport/connection.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { GridStore, type GridSnapshot } from '../../src/model/grid-store.js';
import { runAction } from '../../src/docker/service-actions.js';
import { actionTarget } from '../../src/session/session-store.js';
import type { StatusReport } from '../../src/model/status-report.js';

let info: LabInfo;
let conn: ServerConnection;

function sshFlags(i: LabInfo) {
  return { 'ssh-config': i.sshd.sshConfigPath, host: i.sshd.hostAlias, socket: i.docker.socketPath };
}

function statusCli(args: string[]) {
  return runCli(['status', ...args], { ...process.env, OPSDECK_CONFIG: '/nonexistent/opsdeck-e2e.json' });
}

function until(store: GridStore, pred: (s: GridSnapshot) => boolean, timeoutMs: number): Promise<GridSnapshot> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = store.getSnapshot();
      if (pred(s)) {
        clearTimeout(timer);
        unsub();
        resolve(s);
      }
    };
    const timer = setTimeout(() => {
      unsub();
      reject(new Error(`grid did not change within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsub = store.subscribe(check);
    check();
  });
}

beforeAll(async () => {
  info = await requireLab();
  const target = await resolveTarget(sshFlags(info), process.env, { systemSshConfig: null });
  conn = await connect(target, refusingPrompter);
});

afterAll(async () => {
  await conn?.close();
});

/**
 * dockerd keeps only its last 256 events for a `since` replay, and on the lab the health checks'
 * exec events alone fill that in well under a minute (less right after the backup tests, which
 * create and remove containers). `opsdeck status` can only flag a restart loop whose exits are
 * still in that memory, so the check waits until the Engine itself would replay four exits (one
 * to spare for the moment between this check and the command).
 */
async function untilEngineRemembersExits(name: string, exits: number, timeoutMs: number): Promise<void> {
  const docker = labDocker(info);
  for (const end = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 1000))) {
    const now = Math.floor(Date.now() / 1000);
    const raw = (await docker.getEvents({ since: now - 300, until: now, filters: JSON.stringify({ container: [name], event: ['die'] }) } as never)) as unknown as NodeJS.ReadableStream;
    let text = '';
    for await (const chunk of raw) text += String(chunk);
    if (text.split('\n').filter((l) => l.trim()).length >= exits) return;
    if (Date.now() > end) throw new Error(`dockerd remembers fewer than ${exits} exits of ${name}`);
  }
}

describe('opsdeck status over SSH', () => {
  it('agrees with the Docker Engine on state, health, restart counts and limits', async () => {
    for (const c of labContainers('crash-loop', info)) await untilEngineRemembersExits(c.name, 4, 45_000);
    const r = await statusCli(['--json', '--ssh-config', info.sshd.sshConfigPath, '--host', info.sshd.hostAlias, '--socket', info.docker.socketPath]);
    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as StatusReport;
    expect(report.schema).toBe(1);
    const docker = labDocker(info);
    const byName = new Map(report.projects.flatMap((p) => [...p.services, ...p.oneoffs]).flatMap((s) => s.containers.map((c) => [c.name, { c, s }] as const)));
    const all = await docker.listContainers({ all: true });
    expect(byName.size).toBe(all.length);
    for (const summary of all) {
      const name = summary.Names[0]!.replace(/^\//, '');
      const ins = await docker.getContainer(summary.Id).inspect();
      const got = byName.get(name);
      expect(got, name).toBeDefined();
      // Restart counts and states may move between the two reads for the crash-looping service.
      if (labContainers('crash-loop', info).some((c) => c.name === name)) {
        expect(got!.c.restartCount).toBeGreaterThan(0);
        continue;
      }
      expect(got!.c.state, name).toBe(ins.State.Status);
      expect(got!.c.restartCount, name).toBe(ins.RestartCount);
      expect(got!.c.health, name).toBe(ins.State.Health?.Status ?? 'none');
      expect(got!.s.memory.limitBytes, name).toBe(ins.HostConfig.Memory ? ins.HostConfig.Memory * (got!.s.replicas.total) : null);
    }
    // The lab's failure cases are what an on-call engineer must see; the exit code says degraded.
    expect(r.code).toBe(1);
    const faults = new Map(report.faults.map((f) => [f.service, f.reasons]));
    for (const c of labContainers('unhealthy', info)) expect(faults.get(c.service!)).toContain('unhealthy');
    for (const c of labContainers('crash-loop', info)) expect(faults.get(c.service!)).toEqual(expect.arrayContaining(['restart-loop']));
    const exposed = report.projects.flatMap((p) => p.services).filter((s) => s.portWarnings.length > 0).map((s) => s.service);
    for (const c of labContainers('db-port-exposed', info)) expect(exposed).toContain(c.service);
    for (const c of labContainers('reverse-proxy', info)) expect(exposed).not.toContain(c.service);
    const unlimited = report.projects.flatMap((p) => p.services).filter((s) => s.memory.noLimit).map((s) => s.service);
    for (const c of labContainers('no-memory-limit', info)) if (c.service) expect(unlimited).toContain(c.service);
    // CPU and memory figures come from real samples.
    const pg = report.projects.flatMap((p) => p.services).find((s) => s.service === 'postgres')!;
    expect(pg.memory.usedBytes).toBeGreaterThan(1024 * 1024);
    expect(pg.cpu.percent).not.toBeNull();
  });

  it('prints a table with the same verdict, and filters by project', async () => {
    const r = await statusCli(['--ssh-config', info.sshd.sshConfigPath, '--host', info.sshd.hostAlias, '--socket', info.docker.socketPath, '--project', 'monitoring']);
    expect(r.out).toMatch(/^monitoring$/m);
    expect(r.out).not.toMatch(/^shop$/m);
    expect(r.out).toMatch(/SERVICE\s+STATE/);
  });

  it('exits 2 with one line when the server cannot be reached', async () => {
    const r = await statusCli(['--host', 'deploy@127.0.0.1:1', '--json']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(r.err).toMatch(/^opsdeck: /);
  });
});

describe('the live grid over SSH', () => {
  it('sees a killed container through the events stream within 2 s', async () => {
    const grid = new GridStore(conn, { intervalMs: 1000 });
    const unsub = grid.subscribe(() => undefined);
    try {
      await until(grid, (s) => s.status === 'ready', 15_000);
      const victim = labContainers(undefined, info).find((c) => c.service === 'worker' && c.number === 2)!;
      const docker = labDocker(info);
      const id = (await docker.getContainer(victim.name).inspect()).Id;
      const before = grid.getSnapshot().containers.get(id)!;
      expect(before.state).toBe('running');
      const killedAt = Date.now();
      await docker.getContainer(id).kill();
      await until(grid, (s) => {
        const c = s.containers.get(id);
        return c !== undefined && (c.state !== 'running' || c.restartCount > before.restartCount || (c.startedAt ?? 0) > (before.startedAt ?? 0));
      }, 2000);
      expect(Date.now() - killedAt).toBeLessThan(2000);
      await docker.getContainer(id).start().catch(() => undefined);
    } finally {
      unsub();
    }
  });

  it('reads stats through one long-lived command on the server, a reading every interval', async () => {
    const streams: string[][] = [];
    const rounds: string[][] = [];
    const counted = {
      ...conn,
      docker: conn.docker,
      exec: (argv: readonly string[], o?: { timeoutMs?: number }) => {
        rounds.push([...argv]);
        return conn.exec(argv, o);
      },
      execStream: (argv: readonly string[]) => {
        streams.push([...argv]);
        return conn.execStream(argv);
      },
      onReconnected: (l: () => void) => conn.onReconnected(l),
    };
    const grid = new GridStore(counted, { intervalMs: 500, publishEveryMs: 50 });
    const figures: number[] = [];
    const unsub = grid.subscribe(() => {
      const s = grid.getSnapshot();
      const row = s.groups.flatMap((g) => g.services).flatMap((x) => x.replicas).find((r) => r.container.name === 'shop-api-1');
      if (row?.cpu.percent != null) figures.push(row.cpu.percent);
    });
    try {
      await until(grid, (s) => s.status === 'ready', 15_000);
      const execsAtReady = rounds.length;
      await new Promise((r) => setTimeout(r, 3000));
      // One stream for every container running, giving CPU figures all along; no exec per round.
      expect(streams).toHaveLength(1);
      expect(streams[0]![4]).toMatch(/^every=[\d.]+\/0\.500$/);
      expect(rounds.length).toBe(execsAtReady);
      expect(figures.length).toBeGreaterThanOrEqual(4);
    } finally {
      unsub();
      grid.stop();
    }
  });

  it('restart and stop/start act on the real containers', async () => {
    const grid = new GridStore(conn);
    const snap = await grid.snapshotOnce(100);
    grid.stop();
    const row = snap.groups.flatMap((g) => g.services).find((s) => s.service === 'worker' && s.project === 'shop')!;
    const docker = labDocker(info);
    const ids = row.replicas.map((r) => r.container.id);
    const startedBefore = await Promise.all(ids.map(async (id) => (await docker.getContainer(id).inspect()).State.StartedAt));

    const restarted = await runAction(conn, 'restart', actionTarget(row));
    expect(restarted).toEqual({ ok: true, message: 'restarted shop/worker (2 containers)' });
    const startedAfter = await Promise.all(ids.map(async (id) => (await docker.getContainer(id).inspect()).State.StartedAt));
    startedAfter.forEach((s, k) => expect(s > startedBefore[k]!).toBe(true));

    const one = actionTarget(row, ids[0]);
    expect((await runAction(conn, 'stop', one)).ok).toBe(true);
    expect((await docker.getContainer(ids[0]!).inspect()).State.Running).toBe(false);
    expect((await docker.getContainer(ids[1]!).inspect()).State.Running).toBe(true);
    expect((await runAction(conn, 'start', one)).ok).toBe(true);
    expect((await docker.getContainer(ids[0]!).inspect()).State.Running).toBe(true);
  });

  it('reports a failed action with the server\'s message instead of failing silently', async () => {
    const grid = new GridStore(conn);
    const snap = await grid.snapshotOnce(100);
    grid.stop();
    const row = snap.groups.flatMap((g) => g.services).find((s) => s.service === 'worker')!;
    const ghost = { ...actionTarget(row), containers: [{ ...row.replicas[0]!.container, id: 'f'.repeat(64) }] };
    const r = await runAction(conn, 'restart', ghost);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/restart shop\/worker failed: .*no such container/i);
  });
});
