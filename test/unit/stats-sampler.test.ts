import { describe, it, expect, vi } from 'vitest';
import type Dockerode from 'dockerode';
import { StatsSampler, type StatsSource } from '../../src/docker/stats-sampler.js';
import type { ContainerLive } from '../../src/model/grouping.js';
import type { ExecResult } from '../../src/transport/exec-types.js';

const A = 'a'.repeat(64);

/** What the cgroup script prints for one container on a 2-CPU cgroup v2 host. */
function reading(hostTicks: number, usageUsec: number): string {
  return `S ${hostTicks} 0 0 0 0 0 0 0\nN 2\nI ${A}\nU2 ${usageUsec}\nM 2097152\nF 1048576\n`;
}

/** A server whose exec answers from a script of outcomes, and whose stats API always fails. */
function source(outcomes: (string | Error | ExecResult)[]) {
  const argv: (readonly string[])[] = [];
  const apiCalls = vi.fn();
  const src: StatsSource = {
    docker: {
      getContainer: (id: string) => ({
        stats: async () => {
          apiCalls(id);
          throw new Error('connection closed');
        },
      }),
    } as unknown as Dockerode,
    exec: async (a) => {
      argv.push(a);
      const next = outcomes.shift();
      if (next === undefined || next instanceof Error) throw next ?? new Error('no more outcomes');
      return typeof next === 'string' ? { code: 0, stdout: next, stderr: '' } : next;
    },
  };
  return { src, argv, apiCalls };
}

const targets = () => [{ id: A, memLimit: 4 * 1048576 }];

describe('stats sampler', () => {
  it('keeps the last figures and the cgroup path when an exec fails to run (a dropped connection)', async () => {
    const { src, argv, apiCalls } = source([reading(1000, 0), new Error('channel closed: connection lost'), reading(1200, 500_000)]);
    const rounds: ReadonlyMap<string, ContainerLive>[] = [];
    const s = new StatsSampler(src, targets, (live) => rounds.push(live));

    const first = await s.round();
    expect(first.get(A)?.memory?.used).toBe(1048576);

    // The exec cannot run and the API fails too: nothing is published, the last figures stand.
    const second = await s.round();
    expect(second).toBe(first);
    expect(rounds).toHaveLength(1);
    expect(apiCalls).toHaveBeenCalledTimes(1);

    // Back again: the files are read again (not the API), CPU % against the last good reading.
    const third = await s.round();
    expect(argv).toHaveLength(3);
    expect(apiCalls).toHaveBeenCalledTimes(1);
    expect(s.path).toBe('cgroup');
    // 0.5 s of CPU over 200 ticks of host time (1 s on 2 CPUs) = half a core.
    expect(third.get(A)?.cpuPercent).toBeCloseTo(50, 5);
    expect(rounds).toHaveLength(2);
  });

  it('goes to the API for good when the exec runs but finds no cgroup files', async () => {
    const { src, apiCalls } = source([{ code: 0, stdout: 'S 1 0 0 0 0 0 0 0\nN 2\n', stderr: '' }]);
    const s = new StatsSampler(src, targets, () => undefined);
    await s.round();
    await s.round();
    expect(apiCalls).toHaveBeenCalledTimes(2);
    expect(s.path).toBe('api');
  });

  it('takes two readings a moment apart in the first live round, so CPU % shows at once', async () => {
    const both = `${reading(1000, 0)}---\n${reading(1030, 75_000)}`;
    const { src, argv } = source([both]);
    const published = new Promise<ReadonlyMap<string, ContainerLive>>((resolve) => {
      const s = new StatsSampler(src, targets, (live) => {
        s.stop();
        resolve(live);
      }, { intervalMs: 2000 });
      s.start();
    });
    const live = await published;
    // argv: sh -c SCRIPT opsdeck-stats GAP ids…
    expect(argv[0]![4]).toBe('0.150');
    // 75 ms of CPU over 30 ticks of host time (150 ms on 2 CPUs) = half a core.
    expect(live.get(A)?.cpuPercent).toBeCloseTo(50, 5);
  });
});
