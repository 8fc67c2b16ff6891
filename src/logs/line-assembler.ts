/**
 * Bytes to lines. Docker sends one message per line, each behind its own timestamp; a line
 * longer than 16 KB arrives as several messages, every piece with a timestamp in front (the
 * first piece's time). Multiplexed streams mark pieces by frame; TTY streams have no frames, so
 * a piece boundary is recognised as a timestamp exactly 16 KB after the previous one.
 *
 * A line is kept up to `maxLineBytes` (16 KB); the rest is counted, not stored, so a 200 KB line
 * costs 16 KB. Bytes are decoded once per line, so a multi-byte character split across frames
 * or chunks decodes whole. Raw text here is untrusted: it is sanitised where it becomes a
 * LogLine (log-line.ts).
 */
import { timestampPrefixLength, TIMESTAMP_PREFIX_MAX } from './docker-timestamp.js';
import type { StreamName } from './frame-demux.js';

export interface RawLine {
  stream: StreamName;
  /** The timestamp prefix as Docker sent it (without the space), or '' without one. */
  ts: string;
  /** Decoded text, at most maxLineBytes of it, without the line break. */
  text: string;
  /** The whole line's size in bytes, including what was not kept. */
  bytes: number;
  cut: boolean;
}

export const MAX_LINE_BYTES = 16 * 1024;
/** Docker's log copier splits lines into messages of this size (daemon/logger/copier.go). */
export const DOCKER_PIECE_BYTES = 16 * 1024;

interface Pending {
  ts: string;
  pieces: Buffer[];
  kept: number;
  total: number;
  open: boolean;
}

const NL = 0x0a;
const CR = 0x0d;

export interface LineAssemblerOptions {
  /** Docker was asked for timestamps: a prefix is expected on every message. */
  timestamps: boolean;
  maxLineBytes?: number;
  onLine: (line: RawLine) => void;
}

export class LineAssembler {
  readonly #timestamps: boolean;
  readonly #max: number;
  readonly #onLine: (line: RawLine) => void;
  readonly #pending: Readonly<Record<StreamName, Pending>> = { stdout: emptyPending(), stderr: emptyPending() };
  // TTY state: bytes not yet decidable (a timestamp cut by a chunk end), and where we are.
  #carry: Buffer | null = null;
  #atLineStart = true;
  #sincePiece = 0;

  constructor(opts: LineAssemblerOptions) {
    this.#timestamps = opts.timestamps;
    this.#max = opts.maxLineBytes ?? MAX_LINE_BYTES;
    this.#onLine = opts.onLine;
  }

  /**
   * One message of a multiplexed stream (one frame's payload: payload[start, end)). `dropped`
   * bytes of it were not kept (a frame larger than any Docker sends, frame-demux.ts): they end
   * the line, counted and marked cut.
   */
  pushFrame(stream: StreamName, payload: Buffer, start = 0, end = payload.length, dropped = 0): void {
    const st = this.#pending[stream];
    let off = start;
    let ts = '';
    const n = end;
    if (this.#timestamps) {
      const len = timestampPrefixLength(payload, start, n);
      if (len > 0) {
        ts = payload.toString('latin1', start, start + len - 1);
        off = start + len;
      }
    }
    // The common case, one whole line in one message: decode it straight from the frame.
    if (dropped === 0 && !st.open && n > off && payload[n - 1] === NL && payload.indexOf(NL, off) === n - 1 && n - 1 - off <= this.#max) {
      this.#emitWhole(stream, ts, payload, off, n - 1);
      return;
    }
    if (!st.open) {
      st.open = true;
      st.ts = ts;
    }
    while (off < n) {
      const nl = payload.indexOf(NL, off);
      // The message ends at n; a line break past it belongs to the next one.
      if (nl < 0 || nl >= n) {
        this.#append(st, payload, off, n);
        break;
      }
      this.#append(st, payload, off, nl);
      this.#finish(stream, st);
      off = nl + 1;
      if (off < n) {
        st.open = true;
        st.ts = ts;
      }
    }
    if (dropped > 0) {
      if (!st.open) {
        st.open = true;
        st.ts = ts;
      }
      st.total += dropped;
      this.#finish(stream, st);
    }
  }

  /** Bytes of a TTY container's stream: no frames, no stderr. */
  pushRaw(chunk: Buffer): void {
    let buf = chunk;
    if (this.#carry) {
      buf = Buffer.concat([this.#carry, chunk]);
      this.#carry = null;
    }
    const st = this.#pending.stdout;
    let off = 0;
    const n = buf.length;
    while (off < n) {
      if (this.#timestamps && (this.#atLineStart || this.#sincePiece === DOCKER_PIECE_BYTES)) {
        // Need the whole prefix in view to decide; a line break first means there is none.
        const nlNear = buf.indexOf(NL, off);
        const window = Math.min(n, off + TIMESTAMP_PREFIX_MAX);
        const len = timestampPrefixLength(buf, off, window);
        if (len === 0 && window - off < TIMESTAMP_PREFIX_MAX && (nlNear < 0 || nlNear >= window)) {
          this.#carry = Buffer.from(buf.subarray(off));
          return;
        }
        if (this.#atLineStart) {
          st.open = true;
          st.ts = len > 0 ? buf.toString('latin1', off, off + len - 1) : '';
        }
        this.#atLineStart = false;
        this.#sincePiece = 0;
        off += len;
        continue;
      }
      if (!st.open) {
        st.open = true;
        st.ts = '';
      }
      // Stop at a line break, or at the next possible piece boundary.
      const limit = this.#timestamps ? Math.min(n, off + (DOCKER_PIECE_BYTES - this.#sincePiece)) : n;
      const nl = buf.indexOf(NL, off);
      if (nl >= 0 && nl < limit) {
        this.#append(st, buf, off, nl);
        this.#finish('stdout', st);
        this.#atLineStart = true;
        this.#sincePiece = 0;
        off = nl + 1;
        continue;
      }
      this.#append(st, buf, off, limit);
      this.#sincePiece += limit - off;
      off = limit;
      // Without timestamps a TTY stream has no pieces to find; count nothing.
      if (!this.#timestamps) this.#sincePiece = 0;
    }
  }

  /**
   * The stream ended normally: what is pending is a last line without a line break.
   * (After a dropped connection call discard() instead: the resumed stream sends it again.)
   */
  end(): void {
    if (this.#carry) {
      const rest = this.#carry;
      this.#carry = null;
      const st = this.#pending.stdout;
      if (!st.open) {
        st.open = true;
        st.ts = '';
      }
      this.#append(st, rest, 0, rest.length);
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const st = this.#pending[stream];
      if (st.open && (st.total > 0 || st.ts !== '')) this.#finish(stream, st);
      else reset(st);
    }
  }

  /** Forget unfinished lines (a connection dropped mid-line). */
  discard(): void {
    this.#carry = null;
    reset(this.#pending.stdout);
    reset(this.#pending.stderr);
    this.#atLineStart = true;
    this.#sincePiece = 0;
  }

  #append(st: Pending, buf: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len <= 0) return;
    st.total += len;
    if (st.kept >= this.#max) return;
    const take = Math.min(len, this.#max - st.kept);
    // Copy: the network chunk behind a subarray would stay alive as long as the line waits.
    st.pieces.push(Buffer.from(buf.subarray(start, start + take)));
    st.kept += take;
  }

  #finish(stream: StreamName, st: Pending): void {
    const bytes = st.pieces.length === 1 ? st.pieces[0]! : Buffer.concat(st.pieces, st.kept);
    const cut = st.total > st.kept;
    let end = bytes.length;
    if (cut) end = utf8Boundary(bytes, end);
    else if (end > 0 && bytes[end - 1] === CR) end--;
    const text = bytes.toString('utf8', 0, end);
    const ts = st.ts;
    const total = st.total;
    reset(st);
    this.#onLine({ stream, ts, text, bytes: total, cut });
  }

  #emitWhole(stream: StreamName, ts: string, payload: Buffer, start: number, end: number): void {
    const total = end - start;
    if (end > start && payload[end - 1] === CR) end--;
    this.#onLine({ stream, ts, text: payload.toString('utf8', start, end), bytes: total, cut: false });
  }
}

function emptyPending(): Pending {
  return { ts: '', pieces: [], kept: 0, total: 0, open: false };
}

// In place: callers hold on to the object across lines.
function reset(st: Pending): void {
  st.ts = '';
  st.pieces = [];
  st.kept = 0;
  st.total = 0;
  st.open = false;
}

/** The largest end <= `end` that does not split a UTF-8 sequence. */
export function utf8Boundary(buf: Uint8Array, end: number): number {
  let i = end;
  // Walk back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  let back = 0;
  while (i > 0 && back < 4 && (buf[i - 1]! & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i === 0) return end;
  const lead = buf[i - 1]!;
  // Not a lead byte: invalid UTF-8 either way, the decoder marks it.
  if (lead < 0xc0) return end;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  // The last character is whole when its lead byte says so; otherwise drop it.
  return need === back + 1 ? end : i - 1;
}
