import type { Duplex } from 'node:stream';

/**
 * ssh2 pushes every SSH packet into the channel as its own chunk. dockerd flushes its log
 * stream once per log line, so `logs --tail 10000` arrives as ~10,000 packets, and each one
 * went through Node's HTTP parser, the response stream and our demultiplexer on its own.
 * ssh2 decrypts every packet of one TCP read
 * in one synchronous pass, so what it pushes during that pass is handed on as one chunk, at the
 * end of the pass. Flow control is kept: the answer to ssh2 says whether the stream would be
 * over its high-water mark with what is held.
 */
export function coalesceReads(stream: Duplex): void {
  const push = stream.push.bind(stream);
  let held: Buffer[] = [];
  let size = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (held.length === 0) return;
    const chunk = held.length === 1 ? held[0]! : Buffer.concat(held, size);
    held = [];
    size = 0;
    push(chunk);
  };
  stream.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (!Buffer.isBuffer(chunk)) {
      // The end (null), or anything unusual: in order, after what is held.
      flush();
      return push(chunk, encoding);
    }
    held.push(chunk);
    size += chunk.length;
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
    return stream.readableLength + size < stream.readableHighWaterMark;
  };
}
