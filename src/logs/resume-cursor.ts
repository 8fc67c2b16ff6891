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
  // The lines taken at #last, as stream + text. Most timestamps have one line: it is kept as its
  // parts, and a key is only built when a second line shares the timestamp or a stream resumes
  // (a key string per line was garbage the collector had to sweep, a tenth of `logs --tail`).
  #firstStream = '';
  #firstText = '';
  #more: string[] = [];
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
    this.#replay = this.#last === '' ? [] : [lineKey(this.#firstStream, this.#firstText), ...this.#more];
  }

  /** Should this line be taken? Updates the cursor when it is. */
  accept(ts: string, stream: string, text: string): boolean {
    if (ts === '') return true;
    if (ts < this.#last) return false;
    if (ts === this.#last) {
      const key = lineKey(stream, text);
      const i = this.#replay.indexOf(key);
      if (i >= 0) {
        this.#replay.splice(i, 1);
        return false;
      }
      this.#more.push(key);
      return true;
    }
    this.#last = ts;
    this.#firstStream = stream;
    this.#firstText = text;
    if (this.#more.length > 0) this.#more = [];
    if (this.#replay.length > 0) this.#replay = [];
    return true;
  }
}

function lineKey(stream: string, text: string): string {
  return `${stream}\u0000${text}`;
}
