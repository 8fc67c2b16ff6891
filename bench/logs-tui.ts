/**
 * The log view under a flood, driven like an operator would: the real screen (screens/Logs.tsx
 * via bench/logs-tui-app.tsx, bundled like dist/opsdeck.mjs, over SSH with opsdeck's
 * transport) in a pty made by `script`,
 * while a container of ours writes ~10,000 JSON lines a second. Measured from the outside:
 *
 * - key latency: a toggle key (c, colours; or --key W, wrap, which also makes Ink wrap every
 *   row) pressed every 300–500 ms; the time from writing the key to the pty until the first
 *   frame whose header shows the new state (p50/p95/max);
 * - redraws: Ink brackets every frame with synchronized-output markers (ESC[?2026h … l); frames
 *   per second are counted from them (the budget is 20 a second; key presses add their own);
 * - keeping up: the newest line on screen (timestamps on) against the wall clock, each frame;
 * - memory: the app's RSS from /proc after 1,000,000 lines went through the view (header's
 *   "received" count), and its CPU time.
 *
 * Peer in the same run: `docker -H ssh://deploy@127.0.0.1:22022 logs -f -t` following the same
 * container into a pipe (no screen at all): its lag and CPU.
 *
 *   npx tsx bench/logs-tui.ts [--rate 10000] [--lines 1000000] [--json FILE] [--node-flag=--cpu-prof …]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labDocker, requireLab } from '../test/lab/api.js';
import { shellCommand } from '../src/transport/shell-quote.js';
import { bundleLike } from './logs-bundle.js';
import { shippedNodeFlags } from './lib/bundle-files.js';
import { startFlood } from './logs-flood.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    lines: { type: 'string', default: '1000000' },
    json: { type: 'string' },
    'max-seconds': { type: 'string', default: '240' },
    // Extra node flags for the app (e.g. --cpu-prof), repeatable.
    'node-flag': { type: 'string', multiple: true },
    key: { type: 'string', default: 'c' },
  },
});
const KEYS: Record<string, RegExp> = { c: /colours off/, W: /· wrap/ };
const KEY = values.key!;
const MARK = KEYS[KEY];
if (!MARK) throw new Error(`--key must be one of ${Object.keys(KEYS).join(', ')}`);
const RATE = Number(values.rate);
const LINES = Number(values.lines);
const MAX_MS = Number(values['max-seconds']) * 1000;
const BSU = '\u001b[?2026h';
const ESU = '\u001b[?2026l';

const lab = await requireLab();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-bench-tui-'));
const pidFile = path.join(dir, 'app.pid');
const statsFile = path.join(dir, 'app-stats.json');
const docker = labDocker(lab);

interface Frame {
  at: number;
  text: string;
}

/** Math.max(...xs) overflows the stack for the hundreds of thousands of samples a flood gives. */
function largest(xs: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of xs) if (x > m) m = x;
  return m;
}
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
const round = (n: number) => Math.round(n * 10) / 10;

function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 100; // USER_HZ on Linux
  return ((Number(fields[11]) + Number(fields[12])) / tick) * 1000;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** UTC time of day in ms, for "HH:MM:SS.mmm". */
function todMs(hms: string): number {
  const [h, m, s] = hms.split(':');
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}
function nowTodMs(): number {
  const d = new Date();
  return ((d.getUTCHours() * 60 + d.getUTCMinutes()) * 60 + d.getUTCSeconds()) * 1000 + d.getUTCMilliseconds();
}

function stripAnsi(s: string): string {
  return s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\u001b[()][A-Za-z0-9]/g, '').replace(/\r/g, '');
}

// The flood starts a few seconds after its container: the app opens on an empty log, so its
// resident memory before any line is measured too.
const flood = await startFlood(docker, { name: 'opsdeck-bench-flood-1', rate: RATE, delayS: 6 });
let app: ChildProcess | null = null;
let peer: ChildProcess | null = null;
try {
  const hostFlags = ['--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', '/nonexistent/opsdeck.json'];
  // The app as it ships: bundled (entry and chunks), React in production mode, plain node.
  const appBundle = path.join(dir, 'logs-tui-app.mjs');
  await bundleLike('bench/logs-tui-app.tsx', appBundle);
  const inner = `stty rows 40 cols 120; exec ${shellCommand(['node', ...shippedNodeFlags(), ...(values['node-flag'] ?? []), appBundle, ...hostFlags, '--timestamps', '--pid-file', pidFile, '--stats-file', statsFile, '--watch-key', KEY, 'flood'])}`;
  app = spawn('script', ['-qfec', inner, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, HOME: '/nonexistent', TERM: 'xterm-256color', FORCE_COLOR: '1' } });

  const frames: Frame[] = [];
  let pending = '';
  let onFrame: ((f: Frame) => void) | null = null;
  app.stdout!.setEncoding('utf8');
  app.stdout!.on('data', (d: string) => {
    pending += d;
    for (;;) {
      const start = pending.indexOf(BSU);
      if (start < 0) break;
      const end = pending.indexOf(ESU, start);
      if (end < 0) break;
      const f = { at: performance.now(), text: stripAnsi(pending.slice(start + BSU.length, end)) };
      pending = pending.slice(end + ESU.length);
      frames.push(f);
      if (frames.length > 50) frames.splice(0, frames.length - 50);
      frameTimes.push(f.at);
      observe(f);
      onFrame?.(f);
    }
    if (pending.length > 1_000_000) pending = pending.slice(-100_000);
  });
  let stderr = '';
  app.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

  const frameTimes: number[] = [];
  const lags: number[] = [];
  let received = 0;
  let appPid = 0;
  let following = false;
  function observe(f: Frame) {
    const rows = f.text.split('\n').filter((r) => r.trim() !== '');
    const header = rows[0] ?? '';
    const m = /([\d,]+) received/.exec(header);
    if (m) received = Number(m[1]!.replace(/,/g, ''));
    else {
      const n = /([\d,]+)(?: of [\d,]+)? lines/.exec(header);
      if (n) received = Math.max(received, Number(n[1]!.replace(/,/g, '')));
    }
    following = header.includes('● following');
    if (!following) return;
    for (let i = rows.length - 1; i > 0; i--) {
      const t = /^.(\d\d:\d\d:\d\d\.\d{3}) /.exec(rows[i]!);
      if (t) {
        let lag = nowTodMs() - todMs(t[1]!);
        if (lag < -43_200_000) lag += 86_400_000;
        lags.push(lag);
        break;
      }
    }
  }

  const waitFrame = (pred: (f: Frame) => boolean, timeoutMs: number) =>
    new Promise<Frame | null>((resolve) => {
      const timer = setTimeout(() => {
        onFrame = null;
        resolve(null);
      }, timeoutMs);
      onFrame = (f) => {
        if (pred(f)) {
          clearTimeout(timer);
          onFrame = null;
          resolve(f);
        }
      };
    });

  // Up and following with the buffer full.
  const t0 = performance.now();
  const up = await waitFrame((f) => f.text.includes('● following'), 60_000);
  if (!up) throw new Error(`the app did not come up: ${stderr.slice(0, 500)}`);
  appPid = Number(fs.readFileSync(pidFile, 'utf8'));
  const readyMs = performance.now() - t0;
  const idleRss = rssMiB(appPid);
  const ready = await waitFrame((f) => /flood line/.test(f.text), 60_000);
  if (!ready) throw new Error('no flood lines on screen');

  // The peer follows the same container from now on.
  const peerBin = path.join(dir, 'bin');
  fs.mkdirSync(peerBin);
  const cfg = path.join(dir, 'ssh_config');
  fs.writeFileSync(cfg, [`Host ${lab.sshd.host}`, `  Port ${lab.sshd.port}`, `  User ${lab.sshd.user}`, `  IdentityFile ${lab.sshd.privateKeyPath}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${lab.sshd.knownHostsPath}`, '  GlobalKnownHostsFile /dev/null', '  BatchMode yes', ''].join('\n'));
  fs.writeFileSync(
    path.join(peerBin, 'ssh'),
    ['#!/bin/sh', 'n=$#; i=0', 'for a in "$@"; do', '  i=$((i+1))', `  if [ "$a" = docker ] && [ $i -eq $((n-2)) ]; then set -- "$@" env "DOCKER_HOST=${lab.docker.host}" docker; else set -- "$@" "$a"; fi`, 'done', 'shift $n', `exec /usr/bin/ssh -F ${cfg} "$@"`, ''].join('\n'),
    { mode: 0o755 },
  );
  peer = spawn('docker', ['-H', `ssh://${lab.sshd.user}@${lab.sshd.host}:${lab.sshd.port}`, 'logs', '-f', '-t', '--tail', '0', flood.name], { env: { ...process.env, PATH: `${peerBin}:${process.env.PATH ?? ''}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  const peerLags: number[] = [];
  let peerLines = 0;
  let peerTail = '';
  peer.stdout!.setEncoding('utf8');
  peer.stdout!.on('data', (d: string) => {
    const text = peerTail + d;
    const cut = text.lastIndexOf('\n');
    peerTail = text.slice(cut + 1);
    const block = text.slice(0, cut);
    let count = 0;
    for (let i = block.indexOf('\n'); i >= 0; i = block.indexOf('\n', i + 1)) count++;
    peerLines += count + (block.length ? 1 : 0);
    const lastLine = block.slice(block.lastIndexOf('\n') + 1);
    if (lastLine.length > 23) peerLags.push(Date.now() - Date.parse(`${lastLine.slice(0, 23)}Z`));
  });

  // Keys: the toggle every 300–500 ms until a million lines went through (or time runs out).
  const latencies: number[] = [];
  let missed = 0;
  let toggled = false;
  const startReceived = received;
  const tStart = performance.now();
  const cpuStart = cpuMsOf(appPid);
  const peerCpuStart = cpuMsOf(peer.pid!);
  const rss: number[] = [];
  const frameWindowStart = frameTimes.length;
  let lastRss = performance.now();
  while (received < LINES && performance.now() - t0 < MAX_MS) {
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 200));
    toggled = !toggled;
    const want = toggled;
    const sent = performance.now();
    app.stdin!.write(KEY);
    const f = await waitFrame((fr) => MARK.test(fr.text.split('\n').find((r) => r.trim() !== '') ?? '') === want, 5000);
    if (f) latencies.push(f.at - sent);
    else missed++;
    if (performance.now() - lastRss > 1000) {
      rss.push(rssMiB(appPid));
      lastRss = performance.now();
    }
  }
  const elapsedS = (performance.now() - tStart) / 1000;
  const cpuS = (cpuMsOf(appPid) - cpuStart) / 1000;
  const peerCpuS = (cpuMsOf(peer.pid!) - peerCpuStart) / 1000;
  const finalRss = rssMiB(appPid);
  // Redraws per whole second over the run.
  const times = frameTimes.slice(frameWindowStart);
  const perSecond = new Map<number, number>();
  for (const t of times) perSecond.set(Math.floor((t - tStart) / 1000), (perSecond.get(Math.floor((t - tStart) / 1000)) ?? 0) + 1);
  const counts = [...perSecond.values()];
  const keysPerSecond = latencies.length / elapsedS;
  const linesSeen = received - startReceived;

  const result = {
    rateTarget: RATE,
    key: KEY,
    seconds: round(elapsedS),
    appReadyMs: Math.round(readyMs),
    linesThroughView: linesSeen,
    linesPerSecondSeen: Math.round(linesSeen / elapsedS),
    totalReceived: received,
    keyLatencyMs: { samples: latencies.length, missed, p50: round(pct(latencies, 0.5)), p95: round(pct(latencies, 0.95)), max: round(largest(latencies)) },
    redrawsPerSecond: { mean: round(times.length / elapsedS), max: largest(counts), p95: pct(counts, 0.95), keyPressesPerSecond: round(keysPerSecond) },
    lagMs: { p50: Math.round(pct(lags, 0.5)), p95: Math.round(pct(lags, 0.95)), max: Math.round(largest(lags)) },
    rssMiB: { beforeAnyLine: Math.round(idleRss), final: Math.round(finalRss), max: Math.round(Math.max(finalRss, ...rss)) },
    cpuPercentOfCore: Math.round((cpuS / elapsedS) * 100),
    peer: {
      how: `docker -H ssh://deploy@127.0.0.1:22022 logs -f -t --tail 0 ${flood.name} > pipe`,
      lines: peerLines,
      lagMs: { p50: Math.round(pct(peerLags, 0.5)), p95: Math.round(pct(peerLags, 0.95)), max: Math.round(largest(peerLags)) },
      cpuPercentOfCore: Math.round((peerCpuS / elapsedS) * 100),
    },
    loadAverage: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    budgets: {
      keyP95Under100ms: pct(latencies, 0.95) < 100,
      redrawsAtMost20PerSecond: times.length / elapsedS - keysPerSecond <= 20,
      rssUnder200MiBAfter1M: received >= 1_000_000 && Math.max(finalRss, ...rss) < 200,
    },
  };
  app.stdin!.write('q');
  const exited = app.exitCode !== null || (await new Promise((r) => app!.once('exit', r)));
  void exited;
  const inApp = fs.existsSync(statsFile)
    ? (JSON.parse(fs.readFileSync(statsFile, 'utf8')) as { keyLatencies: number[]; eventLoopDelayMs: Record<string, number>; memory: NodeJS.MemoryUsage; liveHeapAfterGc?: number })
    : null;
  const full = {
    ...result,
    inApp: inApp && {
      keyLatencyMs: { samples: inApp.keyLatencies.length, p50: round(pct(inApp.keyLatencies, 0.5)), p95: round(pct(inApp.keyLatencies, 0.95)), max: round(largest(inApp.keyLatencies)) },
      eventLoopDelayMs: Object.fromEntries(Object.entries(inApp.eventLoopDelayMs).map(([k, v]) => [k, round(v)])),
      memoryMiBAtExit: Object.fromEntries(Object.entries(inApp.memory).map(([k, v]) => [k, Math.round(v / 1024 / 1024)])),
      ...(inApp.liveHeapAfterGc !== undefined ? { liveHeapMiBAfterGc: Math.round(inApp.liveHeapAfterGc / 1024 / 1024) } : {}),
    },
  };
  console.log(JSON.stringify(full, null, 2));
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(full, null, 2) + '\n');
} finally {
  // Only what this run started, by pid.
  if (peer?.pid) peer.kill('SIGTERM');
  if (app?.pid && app.exitCode === null) {
    try {
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      if (pid) process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    app.kill('SIGTERM');
  }
  await flood.remove();
  fs.rmSync(dir, { recursive: true, force: true });
}
