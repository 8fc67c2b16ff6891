/**
 * Where a source's stream got to, so that a new stream (after a dropped connection, or the
 * follow that continues a history read) starts where the old one stopped: nothing lost, nothing
 * twice. Docker's `since` is inclusive, so the new stream starts with the lines of the last
 * timestamp seen; those already taken are skipped by content (several lines can share one
 * nanosecond timestamp, so "skip everything at that time" could lose lines).
 */
import { sinceFromTimestamp } from './docker-timestamp.js';

export class ResumeCursor {
  #last = '';
  /** Keys of the lines taken at #last (usually one). */
  #atLast: string[] = [];
  /** Keys still expected again from a resumed stream, to be skipped once each. */
  #replay: string[] = [];

  /** The newest timestamp taken, '' before the first line. */
  get lastTs(): string {
    return this.#last;
  }

  /** The `since` for the next stream (undefined before the first line). */
  since(): string | undefined {
    return this.#last === '' ? undefined : sinceFromTimestamp(this.#last);
  }

  /** A new stream starts now: it will repeat the lines at lastTs. */
  resume(): void {
    this.#replay = [...this.#atLast];
  }

  /** Should this line be taken? Updates the cursor when it is. */
  accept(ts: string, key: string): boolean {
    if (ts === '') return true;
    if (ts < this.#last) return false;
    if (ts === this.#last) {
      const i = this.#replay.indexOf(key);
      if (i >= 0) {
        this.#replay.splice(i, 1);
        return false;
      }
      this.#atLast.push(key);
      return true;
    }
    this.#last = ts;
    this.#atLast = [key];
    this.#replay = [];
    return true;
  }
}
