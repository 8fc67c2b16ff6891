/**
 * Several containers' lines in one timestamp order, as `docker compose logs` shows them.
 *
 * Each source is in one of three modes:
 * - history: its stream sends the past and then ends. Lines wait until every source in history
 *   has either sent a later line or ended, so the merge is exact (a k-way merge).
 * - live: it follows. Lines arrive in near real time but not in lockstep, so a line waits until
 *   every other live source has sent something at least as new, or `holdMs` passed.
 * - done: it sends nothing more and holds nothing back.
 *
 * Pure: the caller passes `now` and schedules flush() for nextDeadline().
 */

export type MergeMode = 'history' | 'live' | 'done';

interface Queued<L> {
  line: L;
  at: number;
}

interface SourceQueue<L> {
  mode: MergeMode;
  items: Queued<L>[];
  head: number;
  /** Newest ts this source has sent (released or not). */
  newest: string;
}

export class TimestampMerger<L extends { ts: string }> {
  readonly #sources: SourceQueue<L>[];
  readonly #emit: (line: L, source: number) => void;
  readonly #holdMs: number;

  constructor(sourceCount: number, emit: (line: L, source: number) => void, opts: { holdMs?: number } = {}) {
    this.#sources = Array.from({ length: sourceCount }, () => ({ mode: 'history' as MergeMode, items: [], head: 0, newest: '' }));
    this.#emit = emit;
    this.#holdMs = opts.holdMs ?? 200;
  }

  setMode(source: number, mode: MergeMode): void {
    this.#sources[source]!.mode = mode;
  }

  mode(source: number): MergeMode {
    return this.#sources[source]!.mode;
  }

  push(source: number, line: L, now: number): void {
    const s = this.#sources[source]!;
    if (line.ts > s.newest) s.newest = line.ts;
    // A single source waits for no one: with nothing queued ahead, its line goes now, without
    // a queue entry per line (`opsdeck logs api --tail 10000` is one source).
    if (this.#sources.length === 1 && s.head === s.items.length) {
      this.#emit(line, source);
      return;
    }
    s.items.push({ line, at: now });
  }

  /** Lines waiting for `source`. */
  queued(source: number): number {
    const s = this.#sources[source]!;
    return s.items.length - s.head;
  }

  /** Release every line that may go now; returns how many went. */
  flush(now: number): number {
    let released = 0;
    for (;;) {
      const pick = this.#pickHead();
      if (pick < 0) break;
      const s = this.#sources[pick]!;
      const head = s.items[s.head]!;
      if (!this.#mayRelease(pick, head, now)) break;
      s.head++;
      if (s.head > 1024 && s.head * 2 > s.items.length) {
        s.items = s.items.slice(s.head);
        s.head = 0;
      }
      this.#emit(head.line, pick);
      released++;
    }
    return released;
  }

  /** Release everything queued, in order, whatever the modes (stopping, or the end of a CLI run). */
  drain(): void {
    for (;;) {
      const pick = this.#pickHead();
      if (pick < 0) return;
      const s = this.#sources[pick]!;
      this.#emit(s.items[s.head++]!.line, pick);
    }
  }

  /** Ms until a held line may go without news from the others; null when nothing waits on time. */
  nextDeadline(now: number): number | null {
    const pick = this.#pickHead();
    if (pick < 0) return null;
    const head = this.#sources[pick]!.items[this.#sources[pick]!.head]!;
    // Only live waits expire; a history wait ends with the other source's data.
    for (let i = 0; i < this.#sources.length; i++) {
      if (i === pick) continue;
      const o = this.#sources[i]!;
      if (o.mode === 'history' && o.items.length === o.head) return null;
    }
    return Math.max(0, head.at + this.#holdMs - now);
  }

  /** The source whose queued head line is oldest (ties: lower source index). */
  #pickHead(): number {
    let best = -1;
    let bestTs = '';
    for (let i = 0; i < this.#sources.length; i++) {
      const s = this.#sources[i]!;
      if (s.head >= s.items.length) continue;
      const ts = s.items[s.head]!.line.ts;
      if (best < 0 || ts < bestTs) {
        best = i;
        bestTs = ts;
      }
    }
    return best;
  }

  #mayRelease(pick: number, head: Queued<L>, now: number): boolean {
    for (let i = 0; i < this.#sources.length; i++) {
      if (i === pick) continue;
      const o = this.#sources[i]!;
      // A source with queued lines has nothing older than them (they are behind `head`).
      if (o.head < o.items.length || o.mode === 'done') continue;
      if (o.mode === 'history') return false;
      if (o.newest >= head.line.ts) continue;
      if (now - head.at < this.#holdMs) return false;
    }
    return true;
  }
}
