import { describe, expect, it } from 'vitest';
import { FRAME_KEEP, FrameDemuxer } from '../../src/logs/frame-demux.js';
import { LineAssembler, utf8Boundary, type RawLine } from '../../src/logs/line-assembler.js';

const TS1 = '2026-11-22T18:32:57.984103314Z';
const TS2 = '2026-11-22T18:32:58.000000001Z';

function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** Feed `bytes` cut at every position in `cuts` and collect the lines. */
function demux(bytes: Buffer, cuts: number[] = [], opts: { maxLineBytes?: number } = {}): RawLine[] {
  const lines: RawLine[] = [];
  const asm = new LineAssembler({ timestamps: true, onLine: (l) => lines.push(l), ...opts });
  const d = new FrameDemuxer((s, b, start, end, dropped) => asm.pushFrame(s, b, start, end, dropped), (c) => asm.pushRaw(c));
  let last = 0;
  for (const c of [...cuts, bytes.length]) {
    d.push(bytes.subarray(last, c));
    last = c;
  }
  asm.end();
  return lines;
}

function tty(bytes: Buffer, cuts: number[] = []): RawLine[] {
  const lines: RawLine[] = [];
  const asm = new LineAssembler({ timestamps: true, onLine: (l) => lines.push(l) });
  let last = 0;
  for (const c of [...cuts, bytes.length]) {
    asm.pushRaw(bytes.subarray(last, c));
    last = c;
  }
  asm.end();
  return lines;
}

const simple = (ls: RawLine[]) => ls.map((l) => `${l.stream}|${l.ts}|${l.text}`);

describe('the multiplexed stream demultiplexer', () => {
  const stream = Buffer.concat([
    frame(1, `${TS1} hello stdout\n`),
    frame(2, `${TS1} oops on stderr\n`),
    frame(1, `${TS2} é€😀 multi-byte\n`),
    frame(1, `${TS2} \n`),
  ]);
  const expected = [`stdout|${TS1}|hello stdout`, `stderr|${TS1}|oops on stderr`, `stdout|${TS2}|é€😀 multi-byte`, `stdout|${TS2}|`];

  it('splits frames, keeps stdout and stderr apart and strips the timestamp prefix', () => {
    expect(simple(demux(stream))).toEqual(expected);
  });

  it('gives the same lines wherever the network cuts the bytes: headers, payloads, multi-byte characters', () => {
    for (let cut = 1; cut < stream.length; cut++) expect(simple(demux(stream, [cut])), `cut at ${cut}`).toEqual(expected);
    // and one byte at a time
    expect(simple(demux(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1)))).toEqual(expected);
  });

  it('joins a long line that Docker sent as 16 KB pieces, each behind the same timestamp', () => {
    const long = 'x'.repeat(16384) + 'y'.repeat(16384) + 'z'.repeat(100);
    const bytes = Buffer.concat([
      frame(1, `${TS1} ${long.slice(0, 16384)}`),
      frame(2, `${TS1} interleaved stderr\n`),
      frame(1, `${TS1} ${long.slice(16384, 32768)}`),
      frame(1, `${TS1} ${long.slice(32768)}\n`),
    ]);
    const lines = demux(bytes, [], { maxLineBytes: 64 * 1024 });
    expect(lines.map((l) => [l.stream, l.text.length, l.cut])).toEqual([
      ['stderr', 'interleaved stderr'.length, false],
      ['stdout', long.length, false],
    ]);
    expect(lines[1]!.text).toBe(long);
    expect(lines[1]!.ts).toBe(TS1);
  });

  it('keeps 16 KB of a 200 KB line, counts the rest, and never cuts a character in half', () => {
    const piece = (s: string) => frame(1, `${TS1} ${s}`);
    // 'é' is two bytes: put one across the 16 KB mark.
    const first = 'a'.repeat(16383) + 'é' + 'b'.repeat(16383 - 1);
    const rest = 'c'.repeat(200_000 - Buffer.byteLength(first));
    const bytes = Buffer.concat([piece(first), piece(rest.slice(0, 100_000)), frame(1, `${TS1} ${rest.slice(100_000)}\n`)]);
    const [line] = demux(bytes);
    expect(line!.cut).toBe(true);
    expect(line!.bytes).toBe(200_000);
    expect(Buffer.byteLength(line!.text)).toBe(16383);
    expect(line!.text.endsWith('a')).toBe(true);
    expect(line!.text).not.toContain('\ufffd');
  });

  it('buffers at most 16 KB and a margin of a huge frame that arrives over many reads, and marks its line cut', () => {
    const size = 8 * 1024 * 1024;
    const body = Buffer.alloc(size, 'x');
    body.write(`${TS1} `, 0);
    body[size - 1] = 0x0a;
    const wire = Buffer.concat([frame(1, body), frame(2, `${TS2} next line\n`)]);
    const lines: RawLine[] = [];
    const asm = new LineAssembler({ timestamps: true, onLine: (l) => lines.push(l) });
    const d = new FrameDemuxer((s, b, start, end, dropped) => asm.pushFrame(s, b, start, end, dropped), (c) => asm.pushRaw(c));
    let held = 0;
    for (let off = 0; off < wire.length; off += 64 * 1024) {
      d.push(wire.subarray(off, off + 64 * 1024));
      held = Math.max(held, d.pendingBytes);
    }
    asm.end();
    expect(held).toBeLessThanOrEqual(FRAME_KEEP + 8);
    expect(lines.map((l) => [l.stream, l.ts, l.text.length, l.bytes, l.cut])).toEqual([
      ['stdout', TS1, 16 * 1024, size - TS1.length - 1, true],
      ['stderr', TS2, 'next line'.length, 'next line'.length, false],
    ]);
  });

  it('turns invalid UTF-8 into replacement characters rather than failing', () => {
    const bytes = frame(1, Buffer.concat([Buffer.from(`${TS1} bad `), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes\n')]));
    expect(demux(bytes)[0]!.text).toBe('bad \ufffd\ufffd bytes');
  });

  it('drops a carriage return before the line break', () => {
    expect(demux(frame(1, `${TS1} windows\r\n`))[0]!.text).toBe('windows');
  });

  it('emits a last line without a line break when the stream ends, but not after discard()', () => {
    const lines: RawLine[] = [];
    const asm = new LineAssembler({ timestamps: true, onLine: (l) => lines.push(l) });
    asm.pushFrame('stdout', Buffer.from(`${TS1} no newline`));
    asm.discard();
    asm.end();
    expect(lines).toEqual([]);
    asm.pushFrame('stdout', Buffer.from(`${TS1} no newline`));
    asm.end();
    expect(simple(lines)).toEqual([`stdout|${TS1}|no newline`]);
  });

  it('passes a stream that is not multiplexed after all through as raw text', () => {
    const bytes = Buffer.from(`${TS1} I am a TTY stream\r\n${TS2} second\r\n`);
    expect(simple(demux(bytes))).toEqual([`stdout|${TS1}|I am a TTY stream`, `stdout|${TS2}|second`]);
  });

  it('accepts messages without a timestamp prefix', () => {
    expect(simple(demux(frame(1, 'plain text\n')))).toEqual(['stdout||plain text']);
  });
});

describe('TTY streams (no frames)', () => {
  const stream = Buffer.from(`${TS1} hello\r\n${TS1} é€😀\r\n${TS2} 2026-01-01T00:00:00Z looks like a timestamp\r\n`);
  const expected = [`stdout|${TS1}|hello`, `stdout|${TS1}|é€😀`, `stdout|${TS2}|2026-01-01T00:00:00Z looks like a timestamp`];

  it('splits lines and timestamps wherever the chunks are cut', () => {
    expect(simple(tty(stream))).toEqual(expected);
    for (let cut = 1; cut < stream.length; cut++) expect(simple(tty(stream, [cut])), `cut at ${cut}`).toEqual(expected);
  });

  it('finds the timestamp Docker puts in front of each 16 KB piece and removes it', () => {
    const a = 'a'.repeat(16384);
    const b = 'b'.repeat(16384);
    const bytes = Buffer.from(`${TS1} ${a}${TS1} ${b}${TS1} tail\r\n${TS2} next\r\n`);
    const lines = new Array<RawLine>();
    const asm = new LineAssembler({ timestamps: true, maxLineBytes: 64 * 1024, onLine: (l) => lines.push(l) });
    for (let off = 0; off < bytes.length; off += 1000) asm.pushRaw(bytes.subarray(off, off + 1000));
    asm.end();
    expect(lines.map((l) => l.text.length)).toEqual([a.length + b.length + 4, 4]);
    expect(lines[0]!.text).toBe(`${a}${b}tail`);
  });

  it('keeps text that merely looks like a timestamp in the middle of a line', () => {
    const bytes = Buffer.from(`${TS1} says ${TS2} inside\r\n`);
    expect(tty(bytes)[0]!.text).toBe(`says ${TS2} inside`);
  });
});

describe('utf8Boundary', () => {
  it('backs off to the start of a character cut by the end', () => {
    const b = Buffer.from('aé€😀');
    expect(utf8Boundary(b, b.length)).toBe(b.length);
    expect(utf8Boundary(b, b.length - 1)).toBe(b.length - 4);
    expect(utf8Boundary(b, 2)).toBe(1);
    expect(utf8Boundary(b, 3)).toBe(3);
  });
});
