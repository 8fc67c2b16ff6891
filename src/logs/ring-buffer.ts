/**
 * The bounded buffer behind a log view: the newest `capacity` items, addressed by a sequence
 * number that never changes while the item is kept (so a paused view can hold on to "the line
 * it shows" while new lines arrive and old ones leave). An optional byte budget evicts early
 * when lines are big: 10,000 lines of 16 KB would otherwise be 300 MB of strings.
 */
export class RingBuffer<T> {
  readonly capacity: number;
  readonly #slots: (T | undefined)[];
  readonly #costs: Float64Array;
  readonly #maxCost: number;
  readonly #costOf: ((item: T) => number) | null;
  #first = 0;
  #next = 0;
  #cost = 0;

  constructor(capacity: number, opts: { maxCost?: number; costOf?: (item: T) => number } = {}) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#slots = new Array<T | undefined>(capacity);
    this.#costs = new Float64Array(capacity);
    this.#maxCost = opts.maxCost ?? Number.POSITIVE_INFINITY;
    this.#costOf = opts.costOf ?? null;
  }

  /** Seq of the oldest item kept. */
  get firstSeq(): number {
    return this.#first;
  }

  /** Seq the next push gets. */
  get nextSeq(): number {
    return this.#next;
  }

  get size(): number {
    return this.#next - this.#first;
  }

  /** Bytes (or whatever costOf counts) held now. */
  get cost(): number {
    return this.#cost;
  }

  /** Store an item; returns its seq. `onEvict` sees each item that had to leave, oldest first. */
  push(item: T, onEvict?: (seq: number, item: T) => void): number {
    if (this.size === this.capacity) this.#evictOldest(onEvict);
    const seq = this.#next++;
    const slot = seq % this.capacity;
    this.#slots[slot] = item;
    const c = this.#costOf ? this.#costOf(item) : 0;
    this.#costs[slot] = c;
    this.#cost += c;
    while (this.#cost > this.#maxCost && this.size > 1) this.#evictOldest(onEvict);
    return seq;
  }

  get(seq: number): T | undefined {
    if (seq < this.#first || seq >= this.#next) return undefined;
    return this.#slots[seq % this.capacity];
  }

  /** Items from seq `from` (clamped to the oldest kept) to the newest. */
  *from(from = this.#first): IterableIterator<T> {
    for (let s = Math.max(from, this.#first); s < this.#next; s++) yield this.#slots[s % this.capacity]!;
  }

  clear(): void {
    this.#slots.fill(undefined);
    this.#costs.fill(0);
    this.#first = this.#next;
    this.#cost = 0;
  }

  #evictOldest(onEvict?: (seq: number, item: T) => void): void {
    const seq = this.#first++;
    const slot = seq % this.capacity;
    const item = this.#slots[slot]!;
    this.#slots[slot] = undefined;
    this.#cost -= this.#costs[slot]!;
    this.#costs[slot] = 0;
    onEvict?.(seq, item);
  }
}

/**
 * Ascending sequence numbers (the lines a filter lets through), with O(1) append and drop-oldest
 * and O(log n) lookup. Positions are absolute: position p stays valid until dropped, so a
 * snapshot taken earlier can still read what it saw.
 */
export class SeqIndex {
  #slots: Float64Array;
  #head = 0;
  #tail = 0;

  constructor(capacity: number) {
    this.#slots = new Float64Array(Math.max(1, capacity));
  }

  /** Absolute position of the oldest entry. */
  get head(): number {
    return this.#head;
  }

  /** Absolute position after the newest entry. */
  get tail(): number {
    return this.#tail;
  }

  get length(): number {
    return this.#tail - this.#head;
  }

  push(seq: number): void {
    // Never more entries than the buffer holds lines; grow only if a caller breaks that.
    if (this.length === this.#slots.length) this.#grow();
    this.#slots[this.#tail % this.#slots.length] = seq;
    this.#tail++;
  }

  /** Drop entries below `seq` (lines the buffer evicted). */
  dropBelow(seq: number): void {
    while (this.#head < this.#tail && this.#slots[this.#head % this.#slots.length]! < seq) this.#head++;
  }

  /** Seq at absolute position `pos`, or undefined when dropped or not yet written. */
  at(pos: number): number | undefined {
    if (pos < this.#head || pos >= this.#tail) return undefined;
    return this.#slots[pos % this.#slots.length];
  }

  /** Absolute position of the first entry with seq >= `seq` (tail when none). */
  lowerBound(seq: number): number {
    let lo = this.#head;
    let hi = this.#tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#slots[mid % this.#slots.length]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  clear(): void {
    this.#head = this.#tail;
  }

  #grow(): void {
    const bigger = new Float64Array(this.#slots.length * 2);
    for (let p = this.#head; p < this.#tail; p++) bigger[p % bigger.length] = this.#slots[p % this.#slots.length]!;
    this.#slots = bigger;
  }
}
