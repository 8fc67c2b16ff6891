/**
 * The streams behind one log view (or one `opsdeck logs` run): for each container, its history
 * (a request that ends), then, when following, a follow request that starts where the history
 * stopped. Lines go through the demultiplexer, the line assembler and the resume cursor, become
 * LogLines, and leave in timestamp order through the merger.
 *
 * The same two steps resume a stream: after the SSH connection comes back (onReconnected), the
 * history since the last line seen and then a new follow. The cursor drops what was already
 * shown, so nothing is doubled; `since` is inclusive and history is complete, so nothing is lost.
 * A follow that ends cleanly means the container stopped: the follower says so and (in the TUI)
 * watches for it to start again.
 */
import type { Readable } from 'node:stream';
import { FrameDemuxer } from './frame-demux.js';
import { LineAssembler, type RawLine } from './line-assembler.js';
import { TimestampMerger } from './log-merge.js';
import { toLogLine, type LogLine } from './log-line.js';
import type { LogApi } from './log-source.js';
import { MalformedAnswerError } from '../transport/answer-error.js';
import type { LogTarget } from './log-targets.js';
import { ResumeCursor } from './resume-cursor.js';
import { normaliseTimestamp, shortTime } from './docker-timestamp.js';
import { sanitise } from '../text/sanitise.js';

export type SourceState =
  | 'starting'
  | 'history'
  | 'following'
  /** The container is not running; watching for it to start (TUI) or done (CLI). */
  | 'stopped'
  /** The connection dropped; waiting to resume. */
  | 'waiting'
  /** History read and not following: finished. */
  | 'done'
  | 'error';

export interface SourceStatus {
  state: SourceState;
  /** Sanitised reason for 'error' / 'waiting'. */
  detail?: string;
}

/** The part of a ServerConnection the follower uses (so tests can pass their own). */
export interface ReconnectSignal {
  onReconnected(listener: () => void): () => void;
  /** False while the transport is reconnecting: retries would only fail. */
  isConnected(): boolean;
}

export interface LogFollowerOptions {
  follow: boolean;
  /** Per container; undefined for the whole log. */
  tail?: number;
  /** Docker's "seconds.nanoseconds". */
  since?: string;
  /** A stopped container: watch for a restart (TUI) instead of finishing its source (CLI). */
  waitForRestart?: boolean;
  /** How long a live line waits for the other containers (merge order); default 200 ms. */
  holdMs?: number;
  /** How often a stopped container is checked; default 2 s. */
  stoppedPollMs?: number;
  /** Backoff after a failed request while the connection looks fine; default 1 s, doubling to 8 s. */
  retryMs?: number;
  /**
   * Recognise JSON lines and levels (default true). Off when nothing downstream looks at them
   * (a plain print with no filter): JSON.parse of every line was a fifth of `logs --tail`'s work.
   */
  recogniseLevels?: boolean;
  onLine(line: LogLine): void;
  onStatus?(source: number, status: SourceStatus): void;
  /** The connection came back and streams are resuming; `from` is each source's last timestamp. */
  onResume?(from: readonly string[]): void;
  now?: () => number;
}

const PAUSE_ABOVE = 20_000;
const RESUME_BELOW = 5_000;

interface Source {
  target: LogTarget;
  tty: boolean | null;
  cursor: ResumeCursor;
  status: SourceStatus;
  /** Bumped by every new attempt; callbacks of older attempts see a mismatch and do nothing. */
  generation: number;
  abort: AbortController | null;
  stream: Readable | null;
  paused: boolean;
  timer: NodeJS.Timeout | null;
  failures: number;
  /** Lines to drop from the first history read (--tail 0 reads one line to learn where "now" is). */
  skip: number;
}

export class LogFollower {
  readonly #api: LogApi;
  readonly #sources: Source[];
  readonly #opts: LogFollowerOptions;
  readonly #merger: TimestampMerger<LogLine>;
  readonly #conn: ReconnectSignal | null;
  readonly #now: () => number;
  #unsubscribe: (() => void) | null = null;
  #mergeTimer: NodeJS.Timeout | null = null;
  #running = false;
  #settle: (() => void) | null = null;
  readonly done: Promise<void>;

  constructor(api: LogApi, targets: readonly LogTarget[], conn: ReconnectSignal | null, opts: LogFollowerOptions) {
    this.#api = api;
    this.#conn = conn;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#sources = targets.map((target) => ({
      target,
      tty: null,
      cursor: new ResumeCursor(),
      status: { state: 'starting' },
      generation: 0,
      abort: null,
      stream: null,
      paused: false,
      timer: null,
      failures: 0,
      skip: 0,
    }));
    this.#merger = new TimestampMerger<LogLine>(targets.length, (line) => this.#opts.onLine(line), { holdMs: opts.holdMs ?? 200 });
    this.done = new Promise<void>((resolve) => {
      this.#settle = resolve;
    });
  }

  get statuses(): readonly SourceStatus[] {
    return this.#sources.map((s) => s.status);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#conn) this.#unsubscribe = this.#conn.onReconnected(() => this.#onReconnected());
    // A restart (the view was hidden and shown again) continues from each source's cursor.
    this.#sources.forEach((s, i) => void this.#attempt(i, s.cursor.lastTs === ''));
    this.#checkDone();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#mergeTimer) clearTimeout(this.#mergeTimer);
    this.#mergeTimer = null;
    for (const s of this.#sources) this.#halt(s);
    this.#settle?.();
  }

  #halt(s: Source): void {
    s.generation++;
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    s.abort?.abort();
    s.abort = null;
    s.stream?.destroy();
    s.stream = null;
    s.paused = false;
  }

  #setStatus(i: number, status: SourceStatus): void {
    const s = this.#sources[i]!;
    if (s.status.state === status.state && s.status.detail === status.detail) return;
    s.status = status;
    this.#opts.onStatus?.(i, status);
  }

  /** One attempt: history since the cursor (or the initial --since/--tail), then follow. */
  async #attempt(i: number, initial: boolean): Promise<void> {
    const s = this.#sources[i]!;
    this.#halt(s);
    const gen = s.generation;
    const current = () => this.#running && s.generation === gen;
    this.#merger.setMode(i, 'history');
    try {
      this.#setStatus(i, { state: 'history' });
      let req: { follow: boolean; since?: string; tail?: number };
      if (initial) {
        const tail = this.#opts.tail;
        // With --tail 0 the last line is still read, to learn where "now" is in this log.
        s.skip = tail === 0 ? 1 : 0;
        req = { follow: false, ...(this.#opts.since !== undefined ? { since: this.#opts.since } : {}), ...(tail !== undefined ? { tail: Math.max(1, tail) } : {}) };
      } else {
        s.cursor.resume();
        const since = s.cursor.since() ?? this.#opts.since;
        req = { follow: false, ...(since !== undefined ? { since } : {}) };
      }
      const ended = await this.#read(i, gen, req);
      if (!current()) return;
      if (ended !== 'end') return this.#brokeOff(i, gen, ended);
      if (!this.#opts.follow) {
        this.#merger.setMode(i, 'done');
        this.#setStatus(i, { state: 'done' });
        this.#flushMerge();
        this.#checkDone();
        return;
      }
      this.#merger.setMode(i, 'live');
      this.#flushMerge();
      s.cursor.resume();
      const since = s.cursor.since() ?? this.#opts.since;
      this.#setStatus(i, { state: 'following' });
      s.failures = 0;
      const how = await this.#read(i, gen, { follow: true, ...(since !== undefined ? { since } : {}) });
      if (!current()) return;
      if (how !== 'end') return this.#brokeOff(i, gen, how);
      await this.#followEnded(i, gen);
    } catch (err) {
      if (!current()) return;
      this.#failed(i, gen, err);
    }
  }

  /**
   * Read one response to its end. Resolves 'end' when Docker finished it (history complete, or a
   * follow whose container stopped), or the error that cut it.
   */
  async #read(i: number, gen: number, req: { follow: boolean; since?: string; tail?: number }): Promise<'end' | Error> {
    const s = this.#sources[i]!;
    const abort = new AbortController();
    s.abort = abort;
    const stream = await this.#api.open(s.target.id, req, abort.signal);
    if (!this.#running || s.generation !== gen) {
      stream.destroy();
      return 'end';
    }
    s.stream = stream;
    const take = (raw: RawLine) => {
      const ts = normaliseTimestamp(raw.ts);
      if (!s.cursor.accept(ts, raw.stream, raw.text)) return;
      if (s.skip > 0) {
        s.skip--;
        return;
      }
      this.#merger.push(i, toLogLine(raw, i, ts, this.#opts.recogniseLevels !== false), this.#now());
    };
    const assembler = new LineAssembler({ timestamps: true, onLine: take });
    // Not known yet (tty null): read it as multiplexed. Logs are asked for with timestamps, so a
    // TTY container's stream starts with a digit where a frame header starts with 0-3, and the
    // demultiplexer hands everything from a bad header on to the raw path: no inspect needed
    // before the first read (one round trip less for `opsdeck logs`).
    const demux = s.tty ? null : new FrameDemuxer((st, buf, start, end, dropped) => assembler.pushFrame(st, buf, start, end, dropped), (chunk) => assembler.pushRaw(chunk));
    return new Promise((resolve) => {
      let settled = false;
      const finish = (how: 'end' | Error) => {
        if (settled) return;
        settled = true;
        stream.removeListener('data', onData);
        if (s.stream === stream) s.stream = null;
        if (demux?.broken) s.tty = true;
        if (how === 'end') assembler.end();
        else assembler.discard();
        if (s.generation === gen) this.#flushMerge();
        resolve(how);
      };
      const onData = (chunk: Buffer) => {
        if (s.generation !== gen) return;
        if (demux) demux.push(chunk);
        else assembler.pushRaw(chunk);
        this.#flushMerge();
        if (!req.follow && !s.paused && this.#merger.queued(i) > PAUSE_ABOVE) {
          s.paused = true;
          stream.pause();
        }
      };
      stream.on('data', onData);
      stream.once('end', () => finish('end'));
      stream.once('error', (err: Error) => finish(err));
      // A channel closed under the response (dropped connection) closes without 'end'.
      stream.once('close', () => finish(new Error('the stream closed before it ended')));
      stream.once('aborted', () => finish(new Error('the stream was aborted')));
    });
  }

  /** A follow ended cleanly: the container stopped (or Docker ended the stream). */
  async #followEnded(i: number, gen: number): Promise<void> {
    const s = this.#sources[i]!;
    const info = await this.#api.inspect(s.target.id);
    if (!this.#running || s.generation !== gen) return;
    if (info.running) {
      // Restarted already (a crash loop is quick): pick up from the cursor.
      this.#later(i, gen, 250, () => void this.#attempt(i, false));
      return;
    }
    this.#setStatus(i, { state: 'stopped' });
    if (!this.#opts.waitForRestart) {
      this.#merger.setMode(i, 'done');
      this.#flushMerge();
      this.#checkDone();
      return;
    }
    // Stopped lines hold nothing back while we wait.
    this.#merger.setMode(i, 'done');
    this.#flushMerge();
    this.#pollStopped(i, gen);
  }

  #pollStopped(i: number, gen: number): void {
    this.#later(i, gen, this.#opts.stoppedPollMs ?? 2000, async () => {
      const s = this.#sources[i]!;
      try {
        const info = await this.#api.inspect(s.target.id);
        if (!this.#running || s.generation !== gen) return;
        if (info.running) void this.#attempt(i, false);
        else this.#pollStopped(i, gen);
      } catch (err) {
        if (this.#running && s.generation === gen) this.#failed(i, gen, err);
      }
    });
  }

  /** A stream that Docker answered with bytes that are not its format fails; any other break is a loss. */
  #brokeOff(i: number, gen: number, err: Error): void {
    if (err instanceof MalformedAnswerError) this.#failed(i, gen, err);
    else this.#lost(i, gen, err);
  }

  /** The stream broke: wait for the connection, or retry with backoff when it seems fine. */
  #lost(i: number, gen: number, err: Error): void {
    const s = this.#sources[i]!;
    // Others must not wait on a source that sends nothing: live mode lets them go after holdMs.
    this.#merger.setMode(i, 'live');
    this.#flushMerge();
    this.#setStatus(i, { state: 'waiting', detail: oneLine(err.message) });
    if (this.#conn && !this.#conn.isConnected()) return; // onReconnected resumes it
    s.failures++;
    const base = this.#opts.retryMs ?? 1000;
    this.#later(i, gen, Math.min(base * 2 ** (s.failures - 1), base * 8), () => void this.#attempt(i, false));
  }

  #failed(i: number, gen: number, err: unknown): void {
    const status = (err as { statusCode?: number }).statusCode;
    const msg = oneLine(err instanceof Error ? err.message : String(err));
    if (status === 404) {
      // Removed containers do not come back under the same ID.
      this.#merger.setMode(i, 'done');
      this.#flushMerge();
      this.#setStatus(i, { state: 'error', detail: 'no such container (removed?)' });
      this.#checkDone();
      return;
    }
    if (!this.#opts.follow && !(this.#conn && !this.#conn.isConnected())) {
      this.#merger.setMode(i, 'done');
      this.#flushMerge();
      this.#setStatus(i, { state: 'error', detail: msg });
      this.#checkDone();
      return;
    }
    this.#lost(i, gen, err instanceof Error ? err : new Error(msg));
  }

  #onReconnected(): void {
    if (!this.#running) return;
    const from = this.#sources.map((s) => (s.cursor.lastTs ? shortTime(s.cursor.lastTs) : ''));
    this.#opts.onResume?.(from);
    this.#sources.forEach((s, i) => {
      // Finished sources stay finished; everything else had its channels cut.
      if (s.status.state === 'done' || s.status.state === 'error') return;
      if (s.status.state === 'stopped') {
        this.#pollStopped(i, s.generation);
        return;
      }
      s.failures = 0;
      void this.#attempt(i, false);
    });
  }

  #later(i: number, gen: number, ms: number, fn: () => void): void {
    const s = this.#sources[i]!;
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = null;
      if (this.#running && s.generation === gen) fn();
    }, ms);
  }

  #flushMerge(): void {
    const now = this.#now();
    this.#merger.flush(now);
    for (let i = 0; i < this.#sources.length; i++) {
      const s = this.#sources[i]!;
      if (s.paused && this.#merger.queued(i) < RESUME_BELOW) {
        s.paused = false;
        s.stream?.resume();
      }
    }
    const wait = this.#merger.nextDeadline(now);
    if (this.#mergeTimer) clearTimeout(this.#mergeTimer);
    this.#mergeTimer = null;
    if (wait !== null && this.#running) {
      this.#mergeTimer = setTimeout(() => {
        this.#mergeTimer = null;
        this.#flushMerge();
      }, wait + 1);
    }
  }

  #checkDone(): void {
    const finished = this.#sources.every((s) => s.status.state === 'done' || s.status.state === 'error' || (s.status.state === 'stopped' && !this.#opts.waitForRestart));
    if (!finished) return;
    this.#merger.drain();
    this.stop();
  }
}

/** Error texts quote the server (Docker's messages): one sanitised line. */
function oneLine(s: string): string {
  return sanitise(s.replace(/\s+/g, ' ').trim());
}
