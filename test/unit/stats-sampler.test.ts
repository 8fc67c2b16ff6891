import { describe, it, expect, vi } from 'vitest';
import type Dockerode from 'dockerode';
import { StatsSampler, type StatsSource } from '../../src/docker/stats-sampler.js';
import type { ContainerLive } from '../../src/model/grouping.js';
import { PassThrough } from 'node:stream';
import type { ExecResult, ExecStream } from '../../src/transport/exec-types.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

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

const targets = () => [{ id: A }];

describe('stats sampler', () => {
  it('keeps the last figures and the cgroup path when an exec fails to run (a dropped connection)', async () => {
    const { src, argv, apiCalls } = source([reading(1000, 0), new Error('channel closed: connection lost'), reading(1200, 500_000)]);
    const rounds: ReadonlyMap<string, ContainerLive>[] = [];
    const s = new StatsSampler(src, targets, (live) => rounds.push(live));

    const first = await s.round();
    expect(first.get(A)?.memoryUsed).toBe(1048576);

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

/** A server whose execStream hands out scripted streams: the test writes readings into them. */
function streamingSource() {
  const { src, argv: roundArgv, apiCalls } = source([]);
  const streams: { argv: readonly string[]; stdout: PassThrough; killed: boolean; end(): void }[] = [];
  src.execStream = async (argv) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let finish!: () => void;
    const done = new Promise<{ code: number | null }>((r) => (finish = () => r({ code: 0 })));
    const entry = {
      argv,
      stdout,
      killed: false,
      end: () => {
        stdout.end();
        finish();
      },
    };
    streams.push(entry);
    return {
      stdin: new PassThrough(),
      stdout,
      stderr,
      wait: () => done,
      kill: () => {
        entry.killed = true;
        entry.end();
      },
    } satisfies ExecStream;
  };
  return { src, streams, roundArgv, apiCalls };
}

const settle = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wait (up to 5 s: shared machines are slow) until `ok()`. */
async function until(ok: () => boolean): Promise<void> {
  for (const end = Date.now() + 5000; !ok(); await sleep(5)) if (Date.now() > end) throw new Error('timed out waiting');
}

describe('stats sampler, streaming', () => {
  it('reads through one long-lived command while the running containers stay the same', async () => {
    const { src, streams, roundArgv } = streamingSource();
    const published: ReadonlyMap<string, ContainerLive>[] = [];
    const s = new StatsSampler(src, targets, (live) => published.push(live), { intervalMs: 200 });
    s.start();
    await settle();
    expect(streams).toHaveLength(1);
    // argv: sh -c SCRIPT opsdeck-stats every=FIRST/EVERY ids…; no baseline yet: two readings 100 ms apart first.
    expect(streams[0]!.argv[4]).toBe('every=0.100/0.200');
    expect(streams[0]!.argv.slice(5)).toEqual([A]);
    // A reading may arrive in pieces; only a complete one (ended by "E") counts.
    streams[0]!.stdout.write(reading(1000, 0).slice(0, 10));
    await settle();
    expect(published).toHaveLength(0);
    streams[0]!.stdout.write(`${reading(1000, 0).slice(10)}E\n${reading(1200, 500_000)}E\n`);
    await settle();
    expect(published).toHaveLength(2);
    expect(published[0]!.get(A)?.cpuPercent).toBeNull();
    expect(published[1]!.get(A)?.cpuPercent).toBeCloseTo(50, 5);
    // Ticks come and go (every 200 ms); the stream, heard from, stays.
    await sleep(450);
    expect(streams).toHaveLength(1);
    expect(roundArgv).toHaveLength(0);
    s.stop();
    expect(streams[0]!.killed).toBe(true);
  });

  it('changes pace on request: the stream is replaced by one reading at the new interval', async () => {
    const { src, streams } = streamingSource();
    const s = new StatsSampler(src, targets, () => undefined, { intervalMs: 200 });
    s.start();
    await settle();
    streams[0]!.stdout.write(`${reading(1000, 0)}E\n`);
    await settle();
    s.setInterval(10_000);
    await until(() => streams.length >= 2);
    expect(streams[0]!.killed).toBe(true);
    expect(streams[1]!.argv[4]).toBe('every=0/10.000');
    // The same pace again is no change.
    s.setInterval(10_000);
    await sleep(30);
    expect(streams).toHaveLength(2);
    s.stop();
  });

  it('starts a new stream when a container it does not read starts running', async () => {
    const { src, streams } = streamingSource();
    let running = [{ id: A }];
    const s = new StatsSampler(src, () => running, () => undefined, { intervalMs: 30 });
    s.start();
    await settle();
    streams[0]!.stdout.write(`${reading(1000, 0)}E\n`);
    running = [...running, { id: B }];
    await until(() => streams.length >= 2);
    expect(streams[0]!.killed).toBe(true);
    expect(streams[1]!.argv.slice(5)).toEqual([A, B]);
    // With the last reading as the baseline, the new stream's first reading counts at once.
    expect(streams[1]!.argv[4]).toBe('every=0/0.030');
    s.stop();
  });

  it('samples through the API the containers it reads whose files are not found, as a round does', async () => {
    const { src, streams, apiCalls } = streamingSource();
    const published: ReadonlyMap<string, ContainerLive>[] = [];
    const both = () => [
      { id: A },
      { id: B },
    ];
    const s = new StatsSampler(src, both, (live) => published.push(live), { intervalMs: 1000 });
    s.start();
    await settle();
    expect(streams[0]!.argv.slice(5)).toEqual([A, B]);
    // B's files are not there: only A's reading comes back.
    streams[0]!.stdout.write(`${reading(1000, 0)}E\n`);
    await until(() => published.length === 1);
    expect(apiCalls).toHaveBeenCalledWith(B);
    expect(apiCalls).not.toHaveBeenCalledWith(A);
    expect(published[0]!.has(A)).toBe(true);
    s.stop();
  });

  it('with nothing running, starts no stream and publishes nothing at every tick', async () => {
    const { src, streams } = streamingSource();
    const published: ReadonlyMap<string, ContainerLive>[] = [];
    const s = new StatsSampler(src, () => [], (live) => published.push(live), { intervalMs: 20 });
    s.start();
    await sleep(120);
    expect(streams).toHaveLength(0);
    expect(published).toHaveLength(0);
    s.stop();
  });

  it('replaces a stream that has gone silent', async () => {
    const { src, streams } = streamingSource();
    const s = new StatsSampler(src, targets, () => undefined, { intervalMs: 20 });
    s.start();
    await settle();
    streams[0]!.stdout.write(`${reading(1000, 0)}E\n`);
    await until(() => streams.length >= 2);
    expect(streams[0]!.killed).toBe(true);
    s.stop();
  });

  it('goes back to rounds when streams end without a reading, and to the API when no files are found', async () => {
    const { src, streams, roundArgv } = streamingSource();
    const s = new StatsSampler(src, targets, () => undefined, { intervalMs: 20 });
    s.start();
    for (let i = 0; i < 2; i++) {
      await until(() => streams.length > i);
      streams[i]!.end();
    }
    await until(() => roundArgv.length > 0);
    await sleep(60);
    expect(streams).toHaveLength(2);
    s.stop();

    const other = streamingSource();
    const t = new StatsSampler(other.src, targets, () => undefined, { intervalMs: 20 });
    t.start();
    await settle();
    other.streams[0]!.stdout.write('S 1 0 0 0 0 0 0 0\nN 2\nI ' + A + '\nE\n');
    await settle();
    expect(other.streams[0]!.killed).toBe(true);
    expect(other.apiCalls).toHaveBeenCalled();
    expect(t.path).toBe('api');
    t.stop();
  });
});
