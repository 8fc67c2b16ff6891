/**
 * The log view's model: a bounded buffer of lines fed by a LogFollower, the filter over it, and
 * snapshots for the screen published at most 20 times a second however fast lines arrive (a
 * container writing 10,000 lines a second must not mean 10,000 redraws).
 *
 * The snapshot does not copy the buffer: its `lines` window reads through to it by position, and
 * positions stay valid until the buffer evicts them, so a paused screen can keep reading "its"
 * lines while new ones arrive. Streams run while someone subscribes; unsubscribing stops them
 * and subscribing again resumes from the last line seen.
 */
import { Store } from '../model/store.js';
import { compileFilter, literalFieldTerm, type LinePredicate } from './log-filter.js';
import { LogFollower, type ReconnectSignal, type SourceStatus } from './log-follower.js';
import { tagColour, type TagColour } from './log-format.js';
import type { Level } from './log-level.js';
import { jsonOf, lineCost, noticeLine, type LogLine } from './log-line.js';
import type { LogApi } from './log-source.js';
import type { LogTarget, TargetResolution } from './log-targets.js';
import { RingBuffer, SeqIndex } from './ring-buffer.js';
import { saveLines, type SaveResult } from './log-save.js';

export const DEFAULT_BUFFER_LINES = 10_000;
/** Text bytes a view may hold whatever --buffer says (10,000 lines of 16 KB would be ~330 MB). */
export const BUFFER_BYTES = 64 * 1024 * 1024;
export const PUBLISH_INTERVAL_MS = 50;
const NOTICE_MS = 6000;

/** The filtered lines as of one snapshot; index 0 is the oldest. */
export interface LineWindow {
  readonly count: number;
  at(i: number): LogLine | undefined;
  /** Index of the first line with seq >= `seq` (count when there is none). */
  indexOfSeq(seq: number): number;
}

export interface SourceView {
  tag: string;
  name: string;
  colour: TagColour;
  status: SourceStatus;
}

export type Notice = { text: string; level: 'info' | 'warn' | 'error' };

export interface LogSnapshot {
  phase: 'resolving' | 'ready' | 'error';
  /** Why the view could not start (unknown service, Docker unreachable). */
  error: string | null;
  hint: string | null;
  sources: readonly SourceView[];
  lines: LineWindow;
  /** Lines received since the view opened. */
  received: number;
  /** Lines in the buffer (before filtering) and its size. */
  buffered: number;
  capacity: number;
  /** Lines the buffer had to let go. */
  evicted: number;
  filter: { text: string; error: string | null };
  minLevel: Level | null;
  reconnects: number;
  notice: Notice | null;
}

export interface LogActions {
  /** Returns the error for the prompt to show (bad regex…), or null when applied. */
  setFilter(text: string): string | null;
  clearFilter(): void;
  setMinLevel(level: Level | null): void;
  /** all → debug → info → warn → error → all. */
  cycleMinLevel(): void;
  /** Filter on the request id of the line `seq` (or the newest line that has one). */
  traceRequest(seq: number | null): void;
  /** Write the filtered lines to a file (never overwriting one). */
  save(path: string): Promise<SaveResult>;
  notify(text: string, level?: Notice['level']): void;
}

export interface LogStoreOptions {
  api: LogApi;
  /** Container list → targets (log-targets.ts); async because it lists containers. */
  resolve: () => Promise<TargetResolution>;
  connection: ReconnectSignal | null;
  capacity?: number;
  /** Per container, default: the buffer size. */
  tail?: number;
  since?: string;
  filter?: string;
  minLevel?: Level | null;
  holdMs?: number;
  now?: () => number;
  /** Where relative save paths go (default: process.cwd()). */
  cwd?: string;
}

export class LogStore extends Store<LogSnapshot> implements LogActions {
  readonly #opts: LogStoreOptions;
  readonly #ring: RingBuffer<LogLine>;
  readonly #index: SeqIndex;
  readonly #now: () => number;
  #predicate: LinePredicate | null = null;
  #filterText = '';
  #filterError: string | null = null;
  #minLevel: Level | null;
  #targets: LogTarget[] = [];
  #statuses: SourceStatus[] = [];
  #follower: LogFollower | null = null;
  #phase: LogSnapshot['phase'] = 'resolving';
  #error: string | null = null;
  #hint: string | null = null;
  #received = 0;
  #evicted = 0;
  #reconnects = 0;
  #notice: Notice | null = null;
  #noticeTimer: NodeJS.Timeout | null = null;
  #publishTimer: NodeJS.Timeout | null = null;
  #lastPublish = -Infinity;
  #resolving: Promise<void> | null = null;
  #active = false;
  /** Snapshots published so far (benchmarks and tests count redraw triggers with it). */
  publishes = 0;

  constructor(opts: LogStoreOptions) {
    const capacity = opts.capacity ?? DEFAULT_BUFFER_LINES;
    const ring = new RingBuffer<LogLine>(capacity, { maxCost: BUFFER_BYTES, costOf: lineCost });
    const index = new SeqIndex(capacity);
    const compiled = compileFilter({ text: opts.filter ?? '', minLevel: opts.minLevel ?? null });
    super(emptySnapshot(capacity, { text: opts.filter ?? '', error: compiled.error }, opts.minLevel ?? null));
    this.#opts = opts;
    this.#ring = ring;
    this.#index = index;
    this.#now = opts.now ?? Date.now;
    this.#minLevel = opts.minLevel ?? null;
    this.#filterText = opts.filter ?? '';
    this.#filterError = compiled.error;
    this.#predicate = compiled.predicate;
  }

  get targets(): readonly LogTarget[] {
    return this.#targets;
  }

  protected override onFirstSubscriber(): void {
    this.#active = true;
    if (this.#follower) {
      this.#follower.start();
      return;
    }
    this.#resolving ??= this.#resolveAndStart();
  }

  protected override onLastUnsubscribe(): void {
    this.#active = false;
    this.#follower?.stop();
    if (this.#publishTimer) clearTimeout(this.#publishTimer);
    this.#publishTimer = null;
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = null;
  }

  async #resolveAndStart(): Promise<void> {
    let res: TargetResolution;
    try {
      res = await this.#opts.resolve();
    } catch (err) {
      res = { ok: false, error: `cannot list containers: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!res.ok) {
      this.#phase = 'error';
      this.#error = res.error;
      this.#hint = res.hint ?? null;
      this.#publishNow();
      return;
    }
    this.#targets = res.targets;
    this.#statuses = res.targets.map(() => ({ state: 'starting' }));
    this.#phase = 'ready';
    this.#follower = new LogFollower(this.#opts.api, res.targets, this.#opts.connection, {
      follow: true,
      waitForRestart: true,
      tail: this.#opts.tail ?? this.#ring.capacity,
      ...(this.#opts.since !== undefined ? { since: this.#opts.since } : {}),
      ...(this.#opts.holdMs !== undefined ? { holdMs: this.#opts.holdMs } : {}),
      onLine: (line) => this.ingest(line),
      onStatus: (i, status) => {
        this.#statuses[i] = status;
        this.#schedulePublish();
      },
      onResume: (from) => this.#reconnected(from),
    });
    this.#publishNow();
    if (this.#active) this.#follower.start();
  }

  /** Store one line (in merged order). Public for benchmarks and tests that feed lines directly. */
  ingest(line: LogLine): void {
    line.seq = this.#ring.nextSeq;
    const before = this.#ring.firstSeq;
    this.#ring.push(line);
    const dropped = this.#ring.firstSeq - before;
    if (dropped > 0) {
      this.#evicted += dropped;
      this.#index.dropBelow(this.#ring.firstSeq);
    }
    if (line.stream !== 'system') this.#received++;
    if (this.#predicate === null || this.#predicate(line)) this.#index.push(line.seq);
    this.#schedulePublish();
  }

  #reconnected(from: readonly string[]): void {
    this.#reconnects++;
    const parts = this.#targets.map((t, i) => (from[i] ? `${t.tag} from ${from[i]}` : t.tag));
    const at = new Date(this.#now()).toISOString().slice(11, 19);
    this.ingest(noticeLine(`reconnected at ${at} UTC; resuming ${parts.join(', ')} (no lines lost or repeated)`));
    this.notify('reconnected: streams resumed from the last line seen', 'info');
  }

  // ---- actions (bound: the screen receives them as plain functions) ----

  setFilter = (text: string): string | null => {
    const compiled = compileFilter({ text, minLevel: this.#minLevel });
    if (compiled.error) return compiled.error;
    this.#filterText = text.trim();
    this.#filterError = null;
    this.#applyPredicate(compiled.predicate);
    return null;
  };

  clearFilter = (): void => {
    this.setFilter('');
  };

  setMinLevel = (level: Level | null): void => {
    this.#minLevel = level;
    const compiled = compileFilter({ text: this.#filterText, minLevel: level });
    this.#applyPredicate(compiled.predicate);
  };

  cycleMinLevel = (): void => {
    const order: (Level | null)[] = [null, 'debug', 'info', 'warn', 'error'];
    const i = order.indexOf(this.#minLevel);
    this.setMinLevel(order[(i + 1) % order.length] ?? null);
  };

  traceRequest = (seq: number | null): void => {
    let line = seq === null ? undefined : this.#ring.get(seq);
    if (seq === null) {
      // The newest line that carries a request id, looking back a little.
      for (let s = this.#ring.nextSeq - 1; s >= Math.max(this.#ring.firstSeq, this.#ring.nextSeq - 5000); s--) {
        const l = this.#ring.get(s);
        const j = l ? jsonOf(l) : null;
        if (l && j && j.requestId >= 0) {
          line = l;
          break;
        }
      }
    }
    const j = line ? jsonOf(line) : null;
    if (!j || j.requestId < 0) {
      this.notify(seq === null ? 'no recent line carries a request id' : 'this line has no request id field', 'warn');
      return;
    }
    const [key, value] = j.fields[j.requestId]!;
    const err = this.setFilter(literalFieldTerm(key, value));
    if (err) this.notify(err, 'error');
    else this.notify(`tracing ${key}=${value} (F clears the filter)`, 'info');
  };

  save = async (path: string): Promise<SaveResult> => {
    const lines: LogLine[] = [];
    const w = this.#window();
    for (let i = 0; i < w.count; i++) {
      const l = w.at(i);
      if (l) lines.push(l);
    }
    const result = await saveLines(path, lines, { tags: this.#targets.length > 1 ? this.#targets.map((t) => t.tag) : null, cwd: this.#opts.cwd ?? process.cwd() });
    this.notify(result.message, result.ok ? 'info' : 'error');
    return result;
  };

  notify = (text: string, level: Notice['level'] = 'info'): void => {
    this.#notice = { text, level };
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => {
      this.#noticeTimer = null;
      this.#notice = null;
      this.#schedulePublish();
    }, NOTICE_MS);
    this.#schedulePublish(true);
  };

  /** Stop for good (the view closed). */
  dispose(): void {
    this.#active = false;
    this.#follower?.stop();
    if (this.#publishTimer) clearTimeout(this.#publishTimer);
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
  }

  #applyPredicate(p: LinePredicate | null): void {
    this.#predicate = p;
    this.#index.clear();
    for (const line of this.#ring.from()) if (p === null || p(line)) this.#index.push(line.seq);
    // A filter change is the operator's own action: show it without waiting for the throttle.
    this.#schedulePublish(true);
  }

  /**
   * Lines and stream states: at most one snapshot per PUBLISH_INTERVAL_MS (leading edge on a
   * timer, so the lines of one network chunk land together). The operator's own actions
   * (filter, level, notices) publish at once: a key press must answer now.
   */
  #schedulePublish(urgent = false): void {
    if (urgent) {
      this.#publishNow();
      return;
    }
    if (this.#publishTimer) return;
    const wait = Math.max(0, this.#lastPublish + PUBLISH_INTERVAL_MS - this.#now());
    this.#publishTimer = setTimeout(() => this.#publishNow(), wait);
  }

  #publishNow(): void {
    if (this.#publishTimer) clearTimeout(this.#publishTimer);
    this.#publishTimer = null;
    this.#lastPublish = this.#now();
    this.publishes++;
    this.set({
      phase: this.#phase,
      error: this.#error,
      hint: this.#hint,
      sources: this.#targets.map((t, i) => ({ tag: t.tag, name: t.name, colour: tagColour(i), status: this.#statuses[i] ?? { state: 'starting' } })),
      lines: this.#window(),
      received: this.#received,
      buffered: this.#ring.size,
      capacity: this.#ring.capacity,
      evicted: this.#evicted,
      filter: { text: this.#filterText, error: this.#filterError },
      minLevel: this.#minLevel,
      reconnects: this.#reconnects,
      notice: this.#notice,
    });
  }

  #window(): LineWindow {
    const index = this.#index;
    const ring = this.#ring;
    const start = index.head;
    const count = index.length;
    return {
      count,
      at: (i) => {
        if (i < 0 || i >= count) return undefined;
        const seq = index.at(start + i);
        return seq === undefined ? undefined : ring.get(seq);
      },
      indexOfSeq: (seq) => Math.min(count, Math.max(0, index.lowerBound(seq) - start)),
    };
  }
}

function emptySnapshot(capacity: number, filter: LogSnapshot['filter'], minLevel: Level | null): LogSnapshot {
  return {
    phase: 'resolving',
    error: null,
    hint: null,
    sources: [],
    lines: { count: 0, at: () => undefined, indexOfSeq: () => 0 },
    received: 0,
    buffered: 0,
    capacity,
    evicted: 0,
    filter,
    minLevel,
    reconnects: 0,
    notice: null,
  };
}
