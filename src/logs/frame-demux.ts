/**
 * Docker's multiplexed stream (containers without a TTY): each frame is an 8-byte header
 * [stream, 0, 0, 0, size as big-endian uint32] and `size` bytes of payload. Chunks from the
 * network cut frames anywhere, headers included; this reassembles whole frames. One frame is
 * one log message (a line, or a 16 KB piece of a longer one), which is what the line assembler
 * needs to know to find the timestamp Docker puts in front of each piece.
 */

export type StreamName = 'stdout' | 'stderr';

/**
 * One frame's payload: buf[start, end). A view into the chunk, valid only during the call.
 * `dropped`: bytes of the frame after `end` that were counted but not kept (see FRAME_KEEP).
 */
export type FrameSink = (stream: StreamName, buf: Buffer, start: number, end: number, dropped: number) => void;

const HEADER = 8;
/** Bigger than any message the logs API sends (16 KB pieces); beyond it the header is garbage. */
const MAX_FRAME = 64 * 1024 * 1024;
/**
 * Of a frame that arrives over several reads, at most this much is buffered: a line is kept up
 * to 16 KB anyway (line-assembler.ts), plus Docker's timestamp in front and a margin. Docker's
 * own frames are 16 KB pieces; a larger one (up to MAX_FRAME) only costs this much.
 */
export const FRAME_KEEP = 16 * 1024 + 128;

export class FrameDemuxer {
  #header = Buffer.alloc(HEADER);
  #headerFill = 0;
  #stream: StreamName = 'stdout';
  #need = 0;
  #pieces: Buffer[] = [];
  #pieceBytes = 0;
  /** Bytes of the current frame past FRAME_KEEP: counted, not kept. */
  #dropped = 0;
  #broken = false;

  /**
   * `onRaw` receives everything from the first bad header on: a stream that is not multiplexed
   * after all (a TTY container we were told was not one) still reaches the operator.
   */
  constructor(
    private readonly onFrame: FrameSink,
    private readonly onRaw: (chunk: Buffer) => void,
  ) {}

  /** True once a bad header switched this stream to raw pass-through. */
  get broken(): boolean {
    return this.#broken;
  }

  push(chunk: Buffer): void {
    if (this.#broken) {
      this.onRaw(chunk);
      return;
    }
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.#need === 0) {
        // Fast path: a whole header and payload inside this chunk.
        if (this.#headerFill === 0 && n - off >= HEADER) {
          const kind = chunk[off]!;
          if (!validHeader(chunk, off)) return this.#breakAt(chunk, off);
          const size = chunk.readUInt32BE(off + 4);
          if (size === 0) {
            off += HEADER;
            continue;
          }
          if (n - off - HEADER >= size) {
            // A view into the read, not a copy: nothing is buffered for it.
            this.onFrame(streamOf(kind), chunk, off + HEADER, off + HEADER + size, 0);
            off += HEADER + size;
            continue;
          }
          this.#stream = streamOf(kind);
          this.#need = size;
          off += HEADER;
          continue;
        }
        const take = Math.min(HEADER - this.#headerFill, n - off);
        chunk.copy(this.#header, this.#headerFill, off, off + take);
        this.#headerFill += take;
        off += take;
        if (this.#headerFill < HEADER) return;
        this.#headerFill = 0;
        if (!validHeader(this.#header, 0)) {
          // Hand on the header bytes too: they were text, not a header.
          return this.#breakAt(Buffer.concat([Buffer.from(this.#header), chunk.subarray(off)]), 0);
        }
        this.#stream = streamOf(this.#header[0]!);
        this.#need = this.#header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.#need, n - off);
      const keep = Math.min(take, FRAME_KEEP - this.#pieceBytes);
      // Copied: a view would keep the whole read alive while the frame waits.
      if (keep > 0) this.#pieces.push(Buffer.from(chunk.subarray(off, off + keep)));
      this.#pieceBytes += Math.max(keep, 0);
      this.#dropped += take - Math.max(keep, 0);
      this.#need -= take;
      off += take;
      if (this.#need === 0) {
        const payload = this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces, this.#pieceBytes);
        const dropped = this.#dropped;
        this.#pieces = [];
        this.#pieceBytes = 0;
        this.#dropped = 0;
        this.onFrame(this.#stream, payload, 0, payload.length, dropped);
      }
    }
  }

  /** Bytes held of an unfinished frame (a dropped connection cuts frames); at most FRAME_KEEP + 8. */
  get pendingBytes(): number {
    return this.#pieceBytes + this.#headerFill;
  }

  #breakAt(chunk: Buffer, off: number): void {
    this.#broken = true;
    if (off < chunk.length) this.onRaw(chunk.subarray(off));
  }
}

function validHeader(buf: Buffer, off: number): boolean {
  const kind = buf[off]!;
  if (kind > 3 || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0) return false;
  return buf.readUInt32BE(off + 4) <= MAX_FRAME;
}

// 0 is stdin (echoed by attach), 3 is Docker's own error stream (exec): neither is stdout's.
function streamOf(kind: number): StreamName {
  return kind === 2 || kind === 3 ? 'stderr' : 'stdout';
}
