import { view, NOW, MiB } from '../unit/fixtures/load.js';
import { groupContainers, gridVerdict, type ContainerLive } from '../../src/model/grouping.js';
import type { GridSnapshot } from '../../src/model/grid-store.js';
import type { ContainerView } from '../../src/docker/container.js';

export { NOW };

/** A grid snapshot built the way GridStore builds one, from the hand-written inspect fixtures. */
export function gridSnapshot(extra: ContainerView[] = [], opts: { stale?: boolean; cpuPercent?: number; memUsedMiB?: number } = {}): GridSnapshot {
  const containers = ['inspect-caddy-1.json', 'inspect-api-1.json', 'inspect-api-2.json', 'inspect-worker-1.json', 'inspect-db-1.json', 'inspect-redis-1.json', 'inspect-portainer.json'].map(view).concat(extra);
  const cpuPercent = opts.cpuPercent ?? 12.5;
  const used = (opts.memUsedMiB ?? 100) * MiB;
  const live = new Map<string, ContainerLive>(containers.map((c) => [c.id, { cpuPercent, memoryUsed: used }]));
  const groups = groupContainers({ containers, live, now: NOW });
  return {
    status: 'ready',
    error: undefined,
    host: {
      name: 'web-1', engineVersion: '24.0.7', apiVersion: '1.43', os: 'Debian GNU/Linux 12', cpus: 8, memTotal: 32 * 1024 ** 3,
      dockerRootDir: '/var/lib/docker', clockSkewMs: 0, uptimeSec: 86400 * 3, load: [0.5, 0.4, 0.3], disk: { usedBytes: 40e9, totalBytes: 160e9, percent: 25 },
    },
    groups,
    verdict: gridVerdict(groups),
    budget: null,
    containers: new Map(containers.map((c) => [c.id, c])),
    exits: new Map(),
    stale: opts.stale ?? false,
    updatedAt: NOW,
  };
}
