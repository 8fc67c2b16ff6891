/**
 * The log ingest benchmark: how many lines a second the whole pipeline takes, from Docker's
 * bytes to the view's buffer: demultiplex, split, cut at 16 KB, resume cursor, sanitise, parse
 * JSON and level, merge, ring buffer and filter index (LogFollower + LogStore, as the view runs
 * them). No network: the bytes are Docker's multiplexed frames with timestamps, built here, in
 * 32 KB chunks as an SSH channel delivers them.
 *
 *   npx tsx bench/logs-ingest.ts [--lines 1000000] [--json FILE]
 *
 * Peer, in the same run: the least a Node tool does to show Docker logs (reassemble frames,
 * split lines, try JSON.parse, keep the last 10,000), which parses no timestamps, sanitises
 * nothing, cuts nothing and merges nothing: the floor of what reading Docker logs costs in Node.
 * (dockerode's own demuxStream was tried first: it re-concatenates its buffer for every frame
 * and managed ~15,000 lines/s, which would flatter opsdeck.)
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { LogFollower } from '../src/logs/log-follower.js';
import type { LogApi } from '../src/logs/log-source.js';
import { LogStore } from '../src/logs/log-store.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' }, json: { type: 'string' } } });
const N = Number(values.lines);
const CHUNK = 32 * 1024;
const ESC = '\u001b';

function frame(stream: 1 | 2, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** A realistic mix: mostly JSON API lines, access logs, some levels, colours, hostile bytes, long lines. */
function buildLog(n: number): { chunks: Buffer[]; bytes: number; lines: number } {
  const parts: Buffer[] = [];
  let lines = 0;
  const base = Date.parse('2026-11-22T18:00:00Z');
  for (let i = 0; i < n; i++) {
    const ms = base + Math.floor(i / 10);
    const ts = `${new Date(ms).toISOString().slice(0, 19)}.${String((ms % 1000) * 1_000_000 + (i % 10) * 1000).padStart(9, '0')}Z`;
    const r = i % 100;
    let text: string;
    let stream: 1 | 2 = 1;
    if (r < 60) {
      text = JSON.stringify({ time: ts.slice(0, 19) + 'Z', level: r % 14 === 0 ? 'error' : r % 5 === 0 ? 'warn' : 'info', event: r % 7 === 0 ? 'stripe.webhook' : 'http.request', request_id: (i * 2654435761 >>> 0).toString(16).padStart(16, '0'), instance: 'shop-api-1', msg: `GET /api/products/${i % 500} 200 ${i % 80}ms` });
    } else if (r < 85) {
      text = `127.0.0.1 - - [22/Nov/2026:18:00:00 +0000] "GET /products/${i % 900} HTTP/1.1" 200 ${1000 + (i % 9000)} "-" "Mozilla/5.0"`;
    } else if (r < 95) {
      text = `2026-11-22T18:00:00Z ${r % 2 ? 'WARN' : 'ERROR'} worker:\tjob ${i} took ${i % 3000}ms (queue depth ${i % 17})`;
      stream = 2;
    } else if (r < 99) {
      text = `${ESC}[32mINFO${ESC}[0m caddy ${ESC}[1mhandled${ESC}[0m request ${i} in ${ESC}[36m${i % 90}ms${ESC}[0m`;
    } else {
      text = `hostile ${ESC}]52;c;Y3VybA==\u0007 ${ESC}]0;pwned\u0007 ${ESC}[2J${ESC}[H é€😀 \u202e bidi ${i}`;
    }
    const body = Buffer.from(text);
    // One in 5,000 lines is 40 KB: Docker sends it as 16 KB pieces, each with the timestamp.
    if (i % 5000 === 4999) {
      const long = Buffer.alloc(40_000, 0x61);
      for (let off = 0; off < long.length; off += 16384) {
        const piece = long.subarray(off, Math.min(long.length, off + 16384));
        const last = off + 16384 >= long.length;
        parts.push(frame(1, Buffer.concat([Buffer.from(`${ts} `), piece, last ? Buffer.from('\n') : Buffer.alloc(0)])));
      }
    } else {
      parts.push(frame(stream, Buffer.concat([Buffer.from(`${ts} `), body, Buffer.from('\n')])));
    }
    lines++;
  }
  const all = Buffer.concat(parts);
  const chunks: Buffer[] = [];
  for (let off = 0; off < all.length; off += CHUNK) chunks.push(all.subarray(off, off + CHUNK));
  return { chunks, bytes: all.length, lines };
}

function fakeApi(chunks: Buffer[]): LogApi {
  return {
    inspect: async () => ({ tty: false, running: true }),
    open: async () => Readable.from(chunks, { objectMode: false }),
  };
}

async function opsdeck(chunks: Buffer[]): Promise<{ ms: number; cpuMs: number; received: number; buffered: number }> {
  const store = new LogStore({ api: fakeApi(chunks), resolve: async () => ({ ok: true, targets: [] }), connection: null });
  const follower = new LogFollower(fakeApi(chunks), [{ id: 'bench', name: 'bench', project: null, service: null, replica: null, tag: 'bench' }], null, {
    follow: false,
    onLine: (l) => store.ingest(l),
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  follower.start();
  await follower.done;
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  // An action publishes at once: the final counters.
  store.clearFilter();
  const s = store.getSnapshot();
  store.dispose();
  return { ms, cpuMs: (c.user + c.system) / 1000, received: s.received, buffered: s.buffered };
}

/**
 * The peer: the least a Node tool does to show Docker logs: reassemble frames (one concat per
 * frame), split lines, try JSON.parse, keep the last 10,000. No timestamps parsed, no
 * sanitising, no cutting, no merging, no filter.
 */
async function peer(chunks: Buffer[]): Promise<{ ms: number; cpuMs: number; received: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const ring: unknown[] = new Array(10_000);
  let received = 0;
  let pending: Buffer = Buffer.alloc(0);
  const partial: Record<number, string> = { 1: '', 2: '' };
  for await (const chunk of Readable.from(chunks, { objectMode: false }) as AsyncIterable<Buffer>) {
    const buf: Buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 8) {
      const size = buf.readUInt32BE(off + 4);
      if (buf.length - off - 8 < size) break;
      const kind = buf[off]!;
      const text = partial[kind] + buf.toString('utf8', off + 8, off + 8 + size);
      off += 8 + size;
      const parts = text.split('\n');
      partial[kind] = parts.pop() ?? '';
      for (const line of parts) {
        const body = line.slice(31);
        let v: unknown = body;
        if (body.charCodeAt(0) === 0x7b) {
          try {
            v = JSON.parse(body);
          } catch {
            v = body;
          }
        }
        ring[received++ % 10_000] = v;
      }
    }
    pending = buf.subarray(off);
  }
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, received };
}

const { chunks, bytes, lines } = buildLog(N);
console.log(`log: ${lines.toLocaleString('en-US')} lines, ${(bytes / 1024 / 1024).toFixed(1)} MiB of Docker frames, ${chunks.length} chunks of 32 KiB`);

// Warm up both (JIT) on a tenth of the log, then three measured runs each, alternating.
await opsdeck(chunks.slice(0, Math.ceil(chunks.length / 10)));
await peer(chunks.slice(0, Math.ceil(chunks.length / 10)));
const ours: Awaited<ReturnType<typeof opsdeck>>[] = [];
const theirs: Awaited<ReturnType<typeof peer>>[] = [];
for (let k = 0; k < 5; k++) {
  ours.push(await opsdeck(chunks));
  theirs.push(await peer(chunks));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const rate = (ms: number) => Math.round((lines / ms) * 1000);
const bad = ours.find((r) => r.received !== lines);
if (bad) {
  console.error(`opsdeck received ${bad.received} lines, expected ${lines}`);
  process.exit(1);
}
const summary = (rs: { ms: number; cpuMs: number }[]) => ({
  medianMs: Math.round(median(rs.map((r) => r.ms))),
  bestMs: Math.round(Math.min(...rs.map((r) => r.ms))),
  cpuMs: Math.round(median(rs.map((r) => r.cpuMs))),
  linesPerSecond: rate(median(rs.map((r) => r.ms))),
  linesPerCpuSecond: rate(median(rs.map((r) => r.cpuMs))),
});
const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const result = {
  lines,
  mib: Math.round((bytes / 1024 / 1024) * 10) / 10,
  runs: 5,
  loadAverage: load,
  opsdeck: summary(ours),
  peer: { ...summary(theirs), how: 'frames + split + JSON.parse, array of 10,000' },
  heapMiB: Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
};
const met = result.opsdeck.linesPerSecond >= 100_000;
console.log(`machine load average ${load} (2 cores)`);
console.log('');
console.log('                    lines/s (wall, median of 5)   lines per CPU-second   wall ms median / best   CPU ms');
for (const [name, r] of [
  ['opsdeck pipeline', result.opsdeck],
  ['peer (minimal)', result.peer],
] as const) {
  console.log(`${name.padEnd(20)}${r.linesPerSecond.toLocaleString('en-US').padStart(20)}${r.linesPerCpuSecond.toLocaleString('en-US').padStart(23)}${`${r.medianMs} / ${r.bestMs}`.padStart(24)}${String(r.cpuMs).padStart(9)}`);
}
console.log(`budget: >= 100,000 lines/s: ${met ? 'met' : 'MISSED'}`);
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ ...result, budget: { linesPerSecond: 100_000, met } }, null, 2) + '\n');
