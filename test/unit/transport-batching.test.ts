import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { coalesceReads } from '../../src/transport/coalesce-reads.js';
import { batchWrites } from '../../src/transport/write-batch.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('coalesceReads', () => {
  it('hands what is pushed in one synchronous pass on as one chunk, in order, before the end', async () => {
    const stream = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
    coalesceReads(stream);
    const chunks: string[] = [];
    let ended = false;
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    stream.on('end', () => (ended = true));
    stream.push(Buffer.from('a'));
    stream.push(Buffer.from('b'));
    stream.push(Buffer.from('c'));
    await tick();
    stream.push(Buffer.from('d'));
    stream.push(null);
    await tick();
    expect(chunks).toEqual(['abc', 'd']);
    expect(ended).toBe(true);
  });

  it('tells the pusher to wait once the stream would be over its high-water mark', () => {
    const stream = new Duplex({ readableHighWaterMark: 8, read() {}, write(_c, _e, cb) { cb(); } });
    coalesceReads(stream);
    expect(stream.push(Buffer.alloc(4))).toBe(true);
    expect(stream.push(Buffer.alloc(4))).toBe(false);
  });
});

describe('batchWrites', () => {
  it('corks the socket for the rest of the tick and keeps the bytes in order', async () => {
    const calls: string[][] = [];
    const sock = new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        calls.push([chunk.toString()]);
        cb();
      },
      writev(chunks, cb) {
        calls.push(chunks.map((c) => (c.chunk as Buffer).toString()));
        cb();
      },
    });
    batchWrites(sock);
    sock.write('x');
    sock.write('y');
    sock.write('z');
    expect(sock.writableCorked).toBeGreaterThan(0);
    await tick();
    expect(sock.writableCorked).toBe(0);
    expect(calls).toEqual([['x', 'y', 'z']]);
  });
});
