import type Dockerode from 'dockerode';
import { ContainerStatsSchema } from './schemas.js';
import { cgroupCpuPercent, cgroupMemoryUsed, cgroupStatsArgv, cgroupStreamArgv, parseCgroupOutput, splitStreamReadings, type CgroupSample } from './cgroup-stats.js';
import { cpuPercent, cpuSampleFromStats, memoryUsed, type CpuSample } from './stats-arithmetic.js';
import type { ExecResult, ExecStream } from '../transport/exec-types.js';

/**
 * What the stats sampler measured of one container. Only measurements: the limits they are set
 * against come from inspect, and the grid's model does that arithmetic.
 */
export interface ContainerLive {
  /** docker-stats style: 100 = one core. */
  cpuPercent: number | null;
  /** Bytes in use, without the page cache the kernel can drop (as docker stats counts it). */
  memoryUsed: number | null;
}

export interface SamplerTarget {
  id: string;
}

export interface StatsSource {
  docker: Dockerode;
  exec(argv: readonly string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** With it, a running sampler reads the cgroup files through one long-lived command (see start()). */
  execStream?(argv: readonly string[]): Promise<ExecStream>;
}

export interface StatsSamplerOptions {
  /** Between the starts of two rounds. */
  intervalMs?: number;
  /** API requests in flight at once (the fallback path). */
  concurrency?: number;
  hostCpus?: number;
}

export type SamplerPath = 'cgroup' | 'api';

/**
 * The gap between the two readings of a first round. Short, because the grid waits for it; the
 * host's CPU time (the denominator) comes from /proc/stat in 10 ms ticks, so over 150 ms on one
 * core the figure is within about 7 % of itself, and the next round compares over a whole interval.
 */
const FIRST_ROUND_GAP_MS = 150;

/** A stream that has said nothing for this many intervals is taken for hung and replaced. */
const STREAM_SILENT_INTERVALS = 3;
/** Streams that end without a single reading, in a row, before the sampler goes back to rounds. */
const STREAM_FAILURES_BEFORE_ROUNDS = 2;

interface StatsStream {
  ids: ReadonlySet<string>;
  exec: ExecStream | null;
  /** When it started or last gave a reading (ms, our clock). */
  heardAt: number;
  readings: number;
}

/**
 * One scheduler for every container's stats (lazydocker opens a streaming connection per
 * container; docker stats -a asks dockerd for every container every second).
 *
 * The preferred path reads the cgroup files on the server in one exec per round (see
 * cgroup-stats.ts). Containers whose files cannot be found (rootless Docker, an unusual cgroup
 * layout, a user without a shell) are sampled through the API instead: one-shot requests with
 * bounded concurrency. Either way CPU % comes from this round and the previous one, and a round
 * still running when the next is due is not doubled up.
 *
 * A running sampler (start()) whose source can stream does not exec a round at every interval:
 * one command on the server reads the files every interval and writes each reading as it goes,
 * for as long as the set of running containers stays within the ids it was given. That spares
 * each interval a channel open, an exec request carrying the script, and a close (measured:
 * most of opsdeck's own CPU in the live grid went to the SSH traffic of rounds).
 */
export class StatsSampler {
  #src: StatsSource;
  #intervalMs: number;
  #concurrency: number;
  #hostCpus: number | undefined;
  #apiPrev = new Map<string, CpuSample>();
  #cgPrev: CgroupSample | null = null;
  /** When prime() took the baseline #cgPrev holds (ms, our clock); undefined once rounds run. */
  #primedAt: number | undefined;
  #cgroupUsable = true;
  #live: ReadonlyMap<string, ContainerLive> = new Map();
  #timer: NodeJS.Timeout | undefined;
  #inFlight = false;
  #stream: StatsStream | null = null;
  #streamFailures = 0;
  #targets: () => readonly SamplerTarget[];
  #onRound: (live: ReadonlyMap<string, ContainerLive>) => void;
  /** Which path the last round used for most containers (for doctor / the status bar). */
  path: SamplerPath = 'cgroup';

  constructor(src: StatsSource, targets: () => readonly SamplerTarget[], onRound: (live: ReadonlyMap<string, ContainerLive>) => void, opts: StatsSamplerOptions = {}) {
    this.#src = src;
    this.#targets = targets;
    this.#onRound = onRound;
    this.#intervalMs = opts.intervalMs ?? 2000;
    this.#concurrency = opts.concurrency ?? 8;
    this.#hostCpus = opts.hostCpus;
  }

  set hostCpus(n: number | undefined) {
    this.#hostCpus = n;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref?.();
    if (this.#streaming()) return this.#tick();
    // With no previous round to compare with, the first round reads twice a moment apart, so
    // CPU % is on screen at once rather than one interval later.
    const firstGap = this.#firstGap();
    const wait = this.baselineWait(firstGap);
    if (wait !== null) setTimeout(() => void this.round(), wait);
    else void this.round(this.#cgPrev === null && this.#apiPrev.size === 0 ? firstGap : 0);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#endStream();
  }

  /** Sample every `ms` from now on (a running sampler restarts its timer and its stream). */
  setInterval(ms: number): void {
    if (ms === this.#intervalMs) return;
    this.#intervalMs = ms;
    if (!this.#timer) return;
    this.stop();
    this.start();
  }

  #firstGap(): number {
    return Math.min(FIRST_ROUND_GAP_MS, this.#intervalMs / 2);
  }

  #streaming(): boolean {
    return this.#src.execStream !== undefined && this.#cgroupUsable && this.#streamFailures < STREAM_FAILURES_BEFORE_ROUNDS;
  }

  #tick(): void {
    if (!this.#streaming()) {
      this.#endStream();
      void this.round();
      return;
    }
    const targets = this.#targets();
    const st = this.#stream;
    if (st) {
      const silent = Date.now() - st.heardAt > STREAM_SILENT_INTERVALS * this.#intervalMs;
      if (!silent && targets.every((t) => st.ids.has(t.id))) return;
      this.#endStream();
    }
    if (targets.length === 0) {
      // Nothing running: clear the last figures once, then nothing to redraw at every tick.
      if (this.#live.size > 0) void this.round();
      return;
    }
    this.#startStream(targets);
  }

  #startStream(targets: readonly SamplerTarget[]): void {
    const ids = targets.map((t) => t.id);
    const st: StatsStream = { ids: new Set(ids), exec: null, heardAt: Date.now(), readings: 0 };
    this.#stream = st;
    // A baseline from prime() or the last reading makes the first reading count at once;
    // without one (or with one taken only just now) the stream reads twice a moment apart
    // first, as a first round does.
    const gap = this.#firstGap();
    const firstGap = this.#cgPrev === null || (this.baselineWait(gap) ?? 0) > 0 ? gap : 0;
    let argv: string[];
    try {
      argv = cgroupStreamArgv(ids, firstGap / 1000, this.#intervalMs / 1000);
    } catch {
      this.#stream = null;
      return;
    }
    this.#src.execStream!(argv).then(
      (exec) => {
        if (this.#stream !== st) return exec.kill();
        st.exec = exec;
        let text = '';
        exec.stdout.setEncoding('latin1');
        exec.stdout.on('data', (d: string) => {
          text += d;
          const { readings, rest } = splitStreamReadings(text);
          text = rest.length > 1 << 20 ? '' : rest;
          for (const r of readings) if (this.#stream === st) this.#onStreamReading(st, r);
        });
        exec.stderr.resume();
        const ended = () => {
          if (this.#stream !== st) return;
          this.#stream = null;
          if (st.readings === 0) this.#streamFailures++;
        };
        exec.wait().then(ended, ended);
      },
      () => {
        // The connection is down (or the server refused a session): the next tick tries again.
        if (this.#stream === st) this.#stream = null;
      },
    );
  }

  #onStreamReading(st: StatsStream, text: string): void {
    st.heardAt = Date.now();
    const cur = parseCgroupOutput(text).at(-1);
    if (!cur || cur.containers.size === 0) {
      if (st.readings === 0 && st.ids.size > 0) {
        // Nothing readable: this server's layout is not one we know; rounds through the API.
        this.#cgroupUsable = false;
        this.#endStream();
        void this.round();
      }
      return;
    }
    st.readings++;
    this.#streamFailures = 0;
    const targets = this.#targets();
    const next = new Map<string, ContainerLive>();
    // Containers the stream read but whose files were not found go to the API, as in a round;
    // ones it was not given wait for the replacement stream the next tick starts.
    const missing = this.#applyCgroupReading(targets, this.#cgPrev, cur, next).filter((t) => st.ids.has(t.id));
    const publish = () => {
      if (this.#stream !== st) return;
      this.path = missing.length > targets.length / 2 ? 'api' : 'cgroup';
      this.#live = next;
      this.#onRound(next);
    };
    if (missing.length === 0) return publish();
    void this.#apiRound(missing, 0, next).then(publish);
  }

  #endStream(): void {
    const st = this.#stream;
    this.#stream = null;
    st?.exec?.kill();
  }

  /** Forget baselines: after a long gap the next round starts fresh instead of averaging over it. */
  reset(): void {
    this.#apiPrev.clear();
    this.#cgPrev = null;
    this.#primedAt = undefined;
  }

  /**
   * Read the cgroup files once, as soon as the container list is known (while the containers
   * are still being inspected), so the first round compares with this reading instead of
   * reading twice: CPU figures are on screen one round-trip after the rows, not a gap later.
   */
  async prime(ids: readonly string[]): Promise<void> {
    if (!this.#cgroupUsable || ids.length === 0 || this.#cgPrev !== null) return;
    try {
      const r = await this.#src.exec(cgroupStatsArgv(ids, 0), { timeoutMs: 10_000 });
      const cur = r.code === 0 ? parseCgroupOutput(r.stdout).at(-1) : undefined;
      if (cur && cur.containers.size > 0 && this.#cgPrev === null) {
        this.#cgPrev = cur;
        this.#primedAt = Date.now();
      }
    } catch {
      // The first round reads twice instead.
    }
  }

  /**
   * With a primed baseline: how long to wait before a round (round(0)) so that the baseline is
   * at least `minGapMs` old; null without one (the round must read twice itself).
   */
  baselineWait(minGapMs: number): number | null {
    if (this.#primedAt === undefined || this.#cgPrev === null) return null;
    return Math.max(0, minGapMs - (Date.now() - this.#primedAt));
  }

  /**
   * One round. `gapMs` > 0 takes two readings that far apart within the round (for one-shot
   * callers such as `opsdeck status`, which have no previous round); 0 compares with the last round.
   */
  async round(gapMs = 0): Promise<ReadonlyMap<string, ContainerLive>> {
    if (this.#inFlight) return this.#live;
    this.#inFlight = true;
    try {
      const targets = [...this.#targets()];
      const next = new Map<string, ContainerLive>();
      let rest = targets;
      if (this.#cgroupUsable && targets.length > 0) rest = await this.#cgroupRound(targets, gapMs, next);
      if (rest.length > 0) await this.#apiRound(rest, gapMs, next);
      const seen = new Set(targets.map((t) => t.id));
      for (const id of this.#apiPrev.keys()) if (!seen.has(id)) this.#apiPrev.delete(id);
      this.path = rest.length > targets.length / 2 ? 'api' : 'cgroup';
      // Nothing read for any container: the connection dropped (or the server did not answer in
      // time). Keep the last figures on screen rather than turning every one into a dash.
      if (next.size === 0 && targets.length > 0) return this.#live;
      this.#live = next;
      this.#onRound(next);
      return next;
    } finally {
      this.#inFlight = false;
    }
  }

  /** Returns the targets it could not read. */
  async #cgroupRound(targets: readonly SamplerTarget[], gapMs: number, out: Map<string, ContainerLive>): Promise<SamplerTarget[]> {
    let samples: CgroupSample[];
    try {
      const r = await this.#src.exec(cgroupStatsArgv(targets.map((t) => t.id), gapMs / 1000), { timeoutMs: 10_000 + gapMs });
      samples = r.code === 0 ? parseCgroupOutput(r.stdout) : [];
    } catch {
      // The exec did not run (the connection dropped, a timeout): that says nothing about the
      // server's cgroup layout, so this round goes to the API and the next tries the files again.
      return [...targets];
    }
    const cur = samples.at(-1);
    if (!cur || cur.containers.size === 0) {
      // Nothing readable at all: this server's layout is not one we know; stay on the API.
      this.#cgroupUsable = false;
      return [...targets];
    }
    return this.#applyCgroupReading(targets, samples.length > 1 ? samples[0]! : this.#cgPrev, cur, out);
  }

  /** Figures for `targets` from a reading and the one before it; returns the targets it lacks. */
  #applyCgroupReading(targets: readonly SamplerTarget[], base: CgroupSample | null, cur: CgroupSample, out: Map<string, ContainerLive>): SamplerTarget[] {
    this.#primedAt = undefined;
    const missing: SamplerTarget[] = [];
    for (const t of targets) {
      const c = cur.containers.get(t.id);
      if (!c) {
        missing.push(t);
        continue;
      }
      const p = base?.containers.get(t.id);
      const used = cgroupMemoryUsed(c);
      out.set(t.id, {
        cpuPercent: base && p ? cgroupCpuPercent(base, p, cur, c) : null,
        memoryUsed: used,
      });
    }
    this.#cgPrev = cur;
    return missing;
  }

  async #apiRound(targets: readonly SamplerTarget[], gapMs: number, out: Map<string, ContainerLive>): Promise<void> {
    const runAll = async () => {
      let i = 0;
      const worker = async () => {
        while (i < targets.length) {
          const t = targets[i++]!;
          const live = await this.#apiSample(t);
          if (live) out.set(t.id, live);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, targets.length) }, worker));
    };
    await runAll();
    if (gapMs > 0) {
      await new Promise((r) => setTimeout(r, gapMs));
      await runAll();
    }
  }

  async #apiSample(t: SamplerTarget): Promise<ContainerLive | null> {
    let raw: unknown;
    try {
      raw = await this.#src.docker.getContainer(t.id).stats({ stream: false, 'one-shot': true } as { stream: false });
    } catch {
      // Gone between the list and the sample, or not running: the events stream will say so.
      return null;
    }
    const parsed = ContainerStatsSchema.safeParse(raw);
    if (!parsed.success) return null;
    const cur = cpuSampleFromStats(parsed.data, this.#hostCpus);
    const prev = this.#apiPrev.get(t.id);
    if (cur) this.#apiPrev.set(t.id, cur);
    return { cpuPercent: cur ? cpuPercent(prev, cur) : null, memoryUsed: memoryUsed(parsed.data.memory_stats) };
  }
}
