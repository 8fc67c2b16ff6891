import { describe, expect, it } from 'vitest';
import type { ContainerView } from '../../src/docker/container.js';
import {
  containerReasons,
  gridMemoryBudget,
  gridVerdict,
  groupContainers,
  isFailedExit,
  summariseService,
  type ContainerLive,
  type GridInput,
  type ProjectGroup,
  type ServiceRow,
} from '../../src/model/grouping.js';
import { parseImageRef } from '../../src/docker/image-ref.js';
import type { RestartLoopStatus } from '../../src/model/restart-loop.js';
import { GiB, MiB, NOW, view } from './fixtures/load.js';

const api1 = view('inspect-api-1.json');
const api2 = view('inspect-api-2.json');
const worker = view('inspect-worker-1.json');
const db = view('inspect-db-1.json');
const redis = view('inspect-redis-1.json');
const caddy = view('inspect-caddy-1.json');
const migrateRun = view('inspect-api-run.json');
const portainer = view('inspect-portainer.json');
const oldBackup = view('inspect-old-engine.json');

const live = new Map<string, ContainerLive>([
  [api1.id, { cpuPercent: 30, memoryUsed: 700 * MiB }],
  [api2.id, { cpuPercent: 12.5, memoryUsed: 500 * MiB }],
  [db.id, { cpuPercent: 180, memoryUsed: 3.7 * GiB }],
  [redis.id, { cpuPercent: 0.4, memoryUsed: 40 * MiB }],
  [caddy.id, { cpuPercent: 1.2, memoryUsed: 30 * MiB }],
  [portainer.id, { cpuPercent: 0.1, memoryUsed: 25 * MiB }],
  // The sampler may still hold figures for a container that has since stopped; they must not show.
  [migrateRun.id, { cpuPercent: 99, memoryUsed: GiB }],
]);

const workerLoop: RestartLoopStatus = { looping: true, exitsInWindow: 3, lastExitAt: Date.parse('2024-03-04T09:59:58.913Z') };
const loops = new Map<string, RestartLoopStatus>([
  ['compose:shop/worker', workerLoop],
  [`container:${worker.id}`, workerLoop],
]);

const all = [portainer, worker, api2, db, oldBackup, migrateRun, caddy, redis, api1];
const input: GridInput = { containers: all, live, loops, now: NOW };

function row(groups: ProjectGroup[], key: string): ServiceRow {
  const r = groups.flatMap((g) => [...g.services, ...g.oneoffs]).find((s) => s.key === key);
  if (!r) throw new Error(`no row ${key}`);
  return r;
}

describe('groupContainers: shape and order', () => {
  const groups = groupContainers(input);

  it('groups by Compose project, then service, with loose containers last', () => {
    expect(groups.map((g) => [g.key, g.kind])).toEqual([
      ['compose:shop', 'compose'],
      ['other', 'other'],
    ]);
    expect(groups[0]!.services.map((s) => s.service)).toEqual(['api', 'caddy', 'db', 'redis', 'worker']);
    expect(groups[1]!.services.map((s) => s.key)).toEqual(['other:nightly-backup-test', 'other:portainer']);
  });

  it('keeps one-off `compose run` containers apart', () => {
    expect(groups[0]!.oneoffs.map((s) => [s.key, s.total])).toEqual([['oneoff:shop/api', 1]]);
    expect(row(groups, 'compose:shop/api').replicas.map((r) => r.container.name)).toEqual(['shop-api-1', 'shop-api-2']);
  });

  it('keeps the layout for the same container list but takes each reading, loop and clock afresh', () => {
    const list = [...all];
    const before = row(groupContainers({ ...input, containers: list }), 'compose:shop/api');
    const laterLive = new Map(live).set(api1.id, { cpuPercent: 60, memoryUsed: 900 * MiB });
    const apiLoop: RestartLoopStatus = { looping: true, exitsInWindow: 4, lastExitAt: NOW - 1000 };
    const later = groupContainers({ containers: list, live: laterLive, loops: new Map(loops).set('compose:shop/api', apiLoop), now: NOW + 60_000 });
    const after = row(later, 'compose:shop/api');
    expect(before.cpu.percent).toBe(42.5);
    expect(after.cpu.percent).toBe(72.5);
    expect(after.memory.used).toBe(1400 * MiB);
    expect(after.uptimeMs).toBe(before.uptimeMs! + 60_000);
    expect([before.restartLoop, after.restartLoop, after.recentExits, after.degraded]).toEqual([false, true, 4, true]);
    expect(JSON.stringify(later)).toBe(JSON.stringify(groupContainers({ containers: [...list], live: laterLive, loops: new Map(loops).set('compose:shop/api', apiLoop), now: NOW + 60_000 })));
  });

  it('is stable whatever order the containers arrive in', () => {
    const reversed = groupContainers({ ...input, containers: [...all].reverse() });
    expect(JSON.stringify(reversed)).toBe(JSON.stringify(groups));
  });

  it('orders replicas by container number, numerically', () => {
    const r = (n: number): ContainerView => ({ ...api1, id: `id${n}`, name: `shop-api-${n}`, replica: n });
    const s = summariseService('compose:shop/api', [r(10), r(2), r(1)], { now: NOW });
    expect(s.replicas.map((x) => x.container.replica)).toEqual([1, 2, 10]);
  });

  it('puts containers with a project but no service label among the loose ones', () => {
    const odd: ContainerView = { ...api1, id: 'odd', name: 'odd-one', service: null };
    expect(groupContainers({ containers: [odd], now: NOW }).map((g) => g.key)).toEqual(['other']);
  });
});

describe('the per-service row', () => {
  const groups = groupContainers(input);

  it('a healthy two-replica API', () => {
    const r = row(groups, 'compose:shop/api');
    expect(r).toMatchObject({
      project: 'shop',
      service: 'api',
      oneoff: false,
      running: 2,
      total: 2,
      state: 'running',
      health: 'healthy',
      healthCounts: { healthy: 2, unhealthy: 0, starting: 0, none: 0 },
      restarts: 0,
      lastRestartAt: null,
      restartLoop: false,
      // The younger replica.
      uptimeMs: NOW - Date.parse('2024-03-01T09:12:46.001Z'),
      imageFlags: [],
      mixedImages: false,
      degraded: false,
      reasons: [],
      portWarnings: [],
    });
    expect(r.cpu).toEqual({ percent: 42.5, limitCores: 2, percentOfLimit: 21.25, peakPercentOfLimit: 30, level: 'ok', noLimit: false });
    expect(r.memory).toMatchObject({ used: 1200 * MiB, limit: 4 * GiB, noLimit: false, level: 'ok' });
    expect(r.memory.percent).toBeCloseTo((1200 / 4096) * 100, 6);
  });

  it('a crash-looping worker', () => {
    const r = row(groups, 'compose:shop/worker');
    expect(r).toMatchObject({
      state: 'restarting',
      running: 0,
      restarts: 7,
      restartLoop: true,
      recentExits: 3,
      lastRestartAt: workerLoop.lastExitAt,
      sinceLastRestartMs: NOW - workerLoop.lastExitAt!,
      uptimeMs: null,
      imageFlags: ['latest'],
      degraded: true,
      reasons: ['restart-loop', 'restarting'],
    });
    // Not running: no figures, but its limits still show.
    expect(r.cpu).toMatchObject({ percent: null, limitCores: 0.5, noLimit: false });
    expect(r.memory).toMatchObject({ used: null, limit: GiB });
  });

  it('an unhealthy database near its memory limit, published on every interface, without a CPU limit', () => {
    const r = row(groups, 'compose:shop/db');
    expect(r).toMatchObject({ health: 'unhealthy', degraded: true, reasons: ['unhealthy'] });
    expect(r.memory.level).toBe('critical');
    expect(r.memory.percent).toBeCloseTo(92.5, 6);
    expect(r.cpu).toMatchObject({ percent: 180, limitCores: null, percentOfLimit: null, level: null, noLimit: true });
    expect(r.portWarnings.map((w) => w.message)).toEqual(['5432/tcp (PostgreSQL) is published on port 5432 on all interfaces (no address given)']);
  });

  it('redis on loopback and caddy on 80/443 raise no port warnings', () => {
    expect(row(groups, 'compose:shop/redis').portWarnings).toEqual([]);
    const c = row(groups, 'compose:shop/caddy');
    expect(c.ports).toHaveLength(3);
    expect(c.portWarnings).toEqual([]);
    expect(c.health).toBe('none');
    expect(c.memory.percent).toBeCloseTo((30 / 256) * 100, 6);
  });

  it('a failed one-off is shown but never degrades anything', () => {
    const r = row(groups, 'oneoff:shop/api');
    expect(r).toMatchObject({ oneoff: true, state: 'exited', exitCode: 1, degraded: false, reasons: [] });
    expect(r.cpu.percent).toBeNull();
  });

  it('loose containers: untagged portainer exposed on two ports, an old exited `docker run`', () => {
    const p = row(groups, 'other:portainer');
    expect(p).toMatchObject({ project: null, service: 'portainer', imageFlags: ['untagged'], degraded: false });
    expect(p.memory).toMatchObject({ used: 25 * MiB, limit: null, percent: null, level: null, noLimit: true });
    expect(p.portWarnings.map((w) => [w.binding.hostPort, w.kind, w.likelyService])).toEqual([
      ['8000', 'all-interfaces', 'Coolify / app server'],
      ['9443', 'all-interfaces', null],
    ]);
    expect(row(groups, 'other:nightly-backup-test')).toMatchObject({ state: 'stopped', exitCode: 2, degraded: false });
  });
});

describe('degraded verdict', () => {
  it('names every degraded service for `opsdeck status`', () => {
    expect(gridVerdict(groupContainers(input))).toEqual({
      degraded: true,
      faults: [
        { key: 'compose:shop/db', project: 'shop', service: 'db', reasons: ['unhealthy'] },
        { key: 'compose:shop/worker', project: 'shop', service: 'worker', reasons: ['restart-loop', 'restarting'] },
      ],
    });
    const healthy = groupContainers({ containers: [api1, api2, redis, caddy, migrateRun, oldBackup], live, now: NOW });
    expect(gridVerdict(healthy)).toEqual({ degraded: false, faults: [] });
    expect(healthy.every((g) => !g.degraded)).toBe(true);
  });

  const exited = (over: Partial<ContainerView>): ContainerView => ({ ...api1, state: 'exited', health: 'unhealthy', exitCode: 1, restartPolicy: { name: 'no', maxRetries: 0 }, ...over });

  it('exited non-zero counts, unless the exit looks asked for', () => {
    expect(isFailedExit(exited({}))).toBe(true);
    expect(isFailedExit(exited({ restartPolicy: { name: 'on-failure', maxRetries: 5 } }))).toBe(true);
    expect(isFailedExit(exited({ exitCode: 137, oomKilled: true }))).toBe(true);
    // Docker would have restarted these had they crashed: someone stopped them.
    expect(isFailedExit(exited({ restartPolicy: { name: 'unless-stopped', maxRetries: 0 } }))).toBe(false);
    expect(isFailedExit(exited({ restartPolicy: { name: 'always', maxRetries: 0 } }))).toBe(false);
    // docker stop: SIGTERM, SIGINT, or SIGKILL after the timeout.
    expect([143, 130, 137].map((exitCode) => isFailedExit(exited({ exitCode })))).toEqual([false, false, false]);
    expect(isFailedExit(exited({ exitCode: 0 }))).toBe(false);
    // A plain `docker run` without a restart policy may never have been meant to stay up.
    expect(isFailedExit(exited({ project: null, service: null }))).toBe(false);
    expect(isFailedExit(exited({ project: null, service: null, restartPolicy: { name: 'on-failure', maxRetries: 3 } }))).toBe(true);
  });

  it('ignores the stale health of a stopped container', () => {
    expect(containerReasons(exited({ exitCode: 0 }))).toEqual([]);
    const s = summariseService('compose:shop/api', [api1, { ...api2, state: 'exited', exitCode: 0, health: 'unhealthy' }], { now: NOW });
    expect(s).toMatchObject({ state: 'partial', running: 1, total: 2, health: 'healthy', healthCounts: { healthy: 1, unhealthy: 0, starting: 0, none: 0 }, degraded: false });
  });

  it('dead, restarting and unhealthy containers each count', () => {
    expect(containerReasons({ ...api1, state: 'dead' })).toEqual(['dead']);
    expect(containerReasons({ ...api1, state: 'restarting' })).toEqual(['restarting']);
    expect(containerReasons({ ...api1, health: 'unhealthy' })).toEqual(['unhealthy']);
    expect(containerReasons({ ...api1, health: 'starting' })).toEqual([]);
  });
});

describe('resources across replicas', () => {
  const r1: ContainerView = { ...api1, id: 'r1' };
  const r2: ContainerView = { ...api2, id: 'r2' };

  it('takes the warn/critical level from the replica nearest its own limit', () => {
    const liveMap = new Map<string, ContainerLive>([
      ['r1', { cpuPercent: 95, memoryUsed: 1.9 * GiB }],
      ['r2', { cpuPercent: 5, memoryUsed: 0.2 * GiB }],
    ]);
    const s = summariseService('compose:shop/api', [r1, r2], { live: liveMap, now: NOW });
    expect(s.memory.percent).toBeCloseTo(52.5, 6);
    expect(s.memory.peakPercent).toBeCloseTo(95, 6);
    expect(s.memory.level).toBe('critical');
    expect(s.cpu).toMatchObject({ percent: 100, limitCores: 2, percentOfLimit: 50, peakPercentOfLimit: 95, level: 'critical' });
    expect(s.replicas.map((r) => r.memory.level)).toEqual(['critical', 'ok']);
  });

  it('one replica without a limit makes the service "no limit"', () => {
    const s = summariseService('compose:shop/api', [r1, { ...r2, memLimit: null, cpuLimitCores: null }], { now: NOW });
    expect(s.memory).toMatchObject({ limit: null, noLimit: true, percent: null });
    expect(s.cpu).toMatchObject({ limitCores: null, noLimit: true });
  });

  it('shows nothing rather than zero before the sampler has two samples', () => {
    const s = summariseService('compose:shop/api', [r1, r2], { now: NOW });
    expect(s.cpu.percent).toBeNull();
    expect(s.memory.used).toBeNull();
    expect(s.memory.level).toBeNull();
  });

  it('flags replicas running different images (mid-rollout)', () => {
    const s = summariseService('compose:shop/api', [r1, { ...r2, image: parseImageRef('ghcr.io/acme/shop-api:latest'), imageFlags: ['latest'] }], { now: NOW });
    expect(s.mixedImages).toBe(true);
    expect(s.imageFlags).toEqual(['latest']);
  });

  it('the time since the last restart comes from the replica that restarted last', () => {
    const started = NOW - 90_000;
    const s = summariseService('compose:shop/api', [{ ...r1, restartCount: 2, startedAt: started }, { ...r2, restartCount: 1 }], { now: NOW });
    expect(s).toMatchObject({ restarts: 3, lastRestartAt: started, sinceLastRestartMs: 90_000, uptimeMs: 90_000 });
  });

  it('a server clock ahead of ours never gives negative uptimes', () => {
    const s = summariseService('compose:shop/api', [{ ...r1, startedAt: NOW + 5_000 }], { now: NOW });
    expect(s.uptimeMs).toBe(0);
  });
});

describe('gridMemoryBudget', () => {
  it('sums the limits of what can use memory now against the host', () => {
    const b = gridMemoryBudget(all, 32 * GiB);
    // api 2+2, db 4, redis 2, caddy 0.25 GiB, worker (restarting) 1; portainer has none; exited ones do not count.
    expect(b.limitsTotal).toBe(11.25 * GiB);
    expect(b.unlimited).toBe(1);
    expect(b.overcommitted).toBe(false);
  });
});
