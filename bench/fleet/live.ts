/**
 * The live fleet view for a window of W seconds (60 for the figures) against, in the same run:
 * (a) the single-server grid of web-1 (`--host opsdeck-lab`), and (b) three
 * `docker -H ssh://ALIAS stats -a`, one per server, each in its own tmux pane (three terminals).
 * Each repetition runs the three windows in a rotated order, so drift in the machine's load falls
 * on all three alike (as bench/grid/live.ts does).
 *
 * Per window, from /proc and ss:
 * - client CPU: each pane's process tree (opsdeck: node; docker: the CLI and every ssh it
 *   spawns), own CPU plus reaped children, before/after;
 * - connections: every 2 s, `ss -tanp` for the client's processes: TCP connections per sshd port
 *   (the fleet's budget: exactly one per server at every sample, and no other TCP connection);
 * - sshd sessions per server: bench/lib/sshd-sessions.ts polled every 250 ms, counting the
 *   sessions of this client only (one for the whole window means no reconnection), with their
 *   CPU (the session and the commands it runs);
 * - memory: VmRSS at the end and VmHWM (peak) of the node process (docker: RSS of its tree).
 * Each program runs until its screen is complete (docker stats: watched for 8 s), plus a 3 s
 * settling pause before the window opens: start-up is the launch benchmark's.
 */
import type { LabInfo } from '../../test/lab/api.js';
import { launchAndWait, PANE } from '../grid/launch.js';
import { gridProgress } from '../grid/screens.js';
import { expectedRows, type Opsdeck } from '../grid/setup.js';
import { dockerCliEnv } from '../lib/docker-cli.js';
import { cmdline, memory, processTree, treeCpuMs } from '../lib/proc.js';
import { retrying } from '../lib/retry.js';
import { SshdSessions } from '../lib/sshd-sessions.js';
import { fmt, fmtSpread, markdownTable, spread, type Spread } from '../lib/spread.js';
import { listenerPid, tcpConnectionsOf } from '../lib/tcp-connections.js';
import { TmuxPane } from '../lib/tmux.js';
import { launchFleetAndWait } from './launch.js';
import { describeProgress, dockerStatsRowsWithFigures, fleetProgress } from './screens.js';
import { dockerSshArgvFor, GROUP, type BenchServer, type Fleet } from './setup.js';

type Kind = 'fleet' | 'grid' | 'docker';

export interface WindowFigures {
  kind: Kind;
  seconds: number;
  clientMs: number;
  /** sshd sessions of this client, per sshd port: how many were seen, and their CPU. */
  sessions: Record<number, { connections: number; cpuMs: number }>;
  /** TCP connections to each sshd port at each sample. */
  samples: Record<number, number>[];
  /** TCP connections to anything else, most at one sample. */
  otherTcp: number;
  rssKb: number | null;
  hwmKb: number | null;
  clientProcesses: number;
  /** Docker: rows with figures per pane at the end; opsdeck: 1 when the screen was complete and current. */
  shown: number[];
}

export interface LiveRep {
  fleet: WindowFigures;
  grid: WindowFigures;
  docker: WindowFigures;
}

type Pair = { fleet: Spread; other: Spread; ratio: number; perRep: Spread };

export interface LiveSummary {
  vsGrid: Pair & { grid: Spread; pass: boolean };
  vsDocker: Pair & { docker: Spread; pass: boolean };
  connections: { pass: boolean; samples: number; perPortAlways: Record<number, number[]>; otherTcpMax: number; sessionsPerPort: Record<number, number[]>; dockerSessions: Spread; dockerMaxTcp: Spread };
  sshdCpu: { fleet: Spread; grid: Spread; docker: Spread };
  memory: { hwmMb: Spread; rssMb: Spread; gridHwmMb: Spread; dockerRssMb: Spread; pass: boolean };
  procs: { fleet: Spread; grid: Spread; docker: Spread };
  dockerRows: Spread;
}

export interface LiveResult {
  windowSeconds: number;
  reps: LiveRep[];
  commands: string[];
  expectedPerPort: Record<number, number>;
  summary: LiveSummary;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SAMPLE_MS = 2000;

/** How many of the fleet's servers each sshd port serves (one each, on the real lab). */
function perPort(servers: readonly BenchServer[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of servers) out[s.port] = (out[s.port] ?? 0) + 1;
  return out;
}

async function watchDockerStats(pane: TmuxPane, argv: string[], observeMs = 8000): Promise<number> {
  const t0 = performance.now();
  await pane.launch(argv);
  let best = 0;
  while (performance.now() - t0 < observeMs) {
    best = Math.max(best, dockerStatsRowsWithFigures(await pane.capture()));
    await sleep(100);
  }
  return best;
}

export async function benchLive(lab: LabInfo, ops: Opsdeck, fleet: Fleet, opts: { reps: number; windowSeconds: number; settleMs?: number }, log: (s: string) => void): Promise<LiveResult> {
  const env = dockerCliEnv(lab);
  const W = opts.windowSeconds * 1000;
  const settle = opts.settleMs ?? 3000;
  const names = fleet.servers.map((s) => s.name);
  const ports = [...new Set(fleet.servers.map((s) => s.port))];
  const web = fleet.servers.find((s) => s.hostAlias === lab.sshd.hostAlias) ?? fleet.servers[0]!;
  const rows = expectedRows(lab);
  const pane = new TmuxPane('fleetbench-live', env);
  const dockerPanes = fleet.servers.map((s) => new TmuxPane(`fleetbench-docker-${s.name}`, env));
  pane.open(PANE.width, PANE.height);
  for (const p of dockerPanes) p.open(PANE.width, PANE.height);

  const measureWindow = async (kind: Kind): Promise<WindowFigures> => {
    // Start, and wait until the screen is complete.
    if (kind === 'fleet') {
      const t = await launchFleetAndWait(pane, fleet);
      if (t.complete === null) throw new Error(`the fleet view never completed (${describeProgress(t.last)}):\n${t.screen}`);
    } else if (kind === 'grid') {
      const t = await launchAndWait(pane, lab, ops);
      if (t.complete === null) throw new Error(`the grid never completed:\n${t.screen}`);
    } else {
      const shown = await Promise.all(fleet.servers.map((s, i) => watchDockerStats(dockerPanes[i]!, dockerSshArgvFor(s.hostAlias, 'stats', '-a'))));
      shown.forEach((n, i) => {
        if (n === 0) throw new Error(`docker stats -a against ${fleet.servers[i]!.hostAlias} showed no container with figures in 8 s`);
      });
    }
    await sleep(settle);
    // Which client process tree talks to which server.
    const panePids = kind === 'docker' ? dockerPanes.map((p) => p.panePid()) : [pane.panePid()];
    if (panePids.some((r) => !r)) throw new Error(`${kind} is not running in its pane`);
    const roots = panePids as number[];
    const rootFor = (port: number): number | null => {
      if (kind !== 'docker') return roots[0]!;
      const i = fleet.servers.findIndex((s) => s.port === port);
      return roots[i]!;
    };
    const watched = kind === 'grid' ? [web.port] : ports;
    const sessions = new Map<number, SshdSessions>();
    for (const port of watched) {
      const listener = listenerPid(port);
      if (!listener) throw new Error(`nothing listens on 127.0.0.1:${port} (an sshd of the lab is down)`);
      sessions.set(port, new SshdSessions(listener, port, () => rootFor(port)));
    }
    const pids = () => roots.flatMap((r) => processTree(r).map((p) => p.pid));
    const samples: Record<number, number>[] = [];
    let otherTcp = 0;
    const sample = () => {
      const counts: Record<number, number> = {};
      let other = 0;
      for (const c of tcpConnectionsOf(pids())) {
        if (c.state !== 'ESTAB') continue;
        if (ports.includes(c.remotePort)) counts[c.remotePort] = (counts[c.remotePort] ?? 0) + 1;
        else other++;
      }
      samples.push(counts);
      otherTcp = Math.max(otherTcp, other);
    };
    const cpu = () => roots.reduce((acc, r) => acc + treeCpuMs(r), 0);
    const a = { t: performance.now(), cpu: cpu() };
    const costs = new Map<number, { connections: number; cpuMs: number }>();
    for (const s of sessions.values()) s.start(250);
    let b: { t: number; cpu: number };
    try {
      sample();
      for (let i = 1; i * SAMPLE_MS <= W; i++) {
        await sleep(Math.max(0, a.t + i * SAMPLE_MS - performance.now()));
        sample();
      }
      b = { t: performance.now(), cpu: cpu() };
    } finally {
      for (const [port, s] of sessions) costs.set(port, s.stop());
    }
    const k = W / (b.t - a.t);
    const sess: WindowFigures['sessions'] = {};
    for (const [port, c] of costs) sess[port] = { connections: c.connections, cpuMs: c.cpuMs * k };
    const trees = roots.flatMap((r) => processTree(r));
    let rssKb: number | null = null;
    let hwmKb: number | null = null;
    let shown: number[] = [];
    if (kind === 'docker') {
      // An ssh that is exiting (a zombie) has no VmRSS line: it holds no memory any more.
      rssKb = trees.reduce((acc, p) => {
        const kb = memory(p.pid)?.rssKb;
        return acc + (kb !== undefined && Number.isFinite(kb) ? kb : 0);
      }, 0);
      shown = await Promise.all(dockerPanes.map(async (p) => dockerStatsRowsWithFigures(await p.capture())));
    } else {
      const node = trees.find((p) => cmdline(p.pid).includes(ops.bundle));
      const m = node ? memory(node.pid) : null;
      rssKb = m?.rssKb ?? null;
      hwmKb = m?.hwmKb ?? null;
      const screen = await pane.capture();
      if (kind === 'fleet') {
        const p = fleetProgress(screen, names, GROUP);
        if (!p.complete || p.stale) throw new Error(`the fleet view was not complete and current at the end of the window (${describeProgress(p)}):\n${screen}`);
      } else if (!gridProgress(screen, rows, lab.projects).complete || /STALE/.test(screen)) {
        throw new Error(`the grid was not complete and current at the end of the window:\n${screen}`);
      }
      shown = [1];
    }
    return { kind, seconds: (b.t - a.t) / 1000, clientMs: (b.cpu - a.cpu) * k, sessions: sess, samples, otherTcp, rssKb, hwmKb, clientProcesses: trees.length, shown };
  };

  const window = async (kind: Kind): Promise<WindowFigures> => {
    try {
      return await measureWindow(kind);
    } finally {
      if (kind === 'docker') await Promise.all(dockerPanes.map((p) => p.idle()));
      else await pane.idle();
    }
  };

  const orders: Kind[][] = [
    ['fleet', 'grid', 'docker'],
    ['grid', 'docker', 'fleet'],
    ['docker', 'fleet', 'grid'],
  ];
  const reps: LiveRep[] = [];
  try {
    for (let r = 0; r < opts.reps; r++) {
      const got: Partial<Record<Kind, WindowFigures>> = {};
      for (const kind of orders[r % orders.length]!) {
        log(`  rep ${r + 1}/${opts.reps}: ${kind} window (${opts.windowSeconds} s)…`);
        got[kind] = await retrying(`the ${kind} window`, () => window(kind), log, 5);
      }
      const rep = got as LiveRep;
      reps.push(rep);
      const conn = (w: WindowFigures) => Object.entries(w.sessions).map(([p, s]) => `:${p} ${s.connections}`).join(' ');
      log(
        `  rep ${r + 1}: client CPU fleet ${fmt(rep.fleet.clientMs)} ms, grid ${fmt(rep.grid.clientMs)} ms, 3x docker stats ${fmt(rep.docker.clientMs)} ms · ` +
          `fleet TCP per port at every sample ${JSON.stringify(tcpRange(rep.fleet))}, sshd sessions ${conn(rep.fleet)} · docker sessions ${conn(rep.docker)} · fleet VmHWM ${fmt((rep.fleet.hwmKb ?? NaN) / 1024, 1)} MB`,
      );
    }
  } finally {
    pane.close();
    for (const p of dockerPanes) p.close();
  }
  const expected = perPort(fleet.servers);
  return {
    windowSeconds: opts.windowSeconds,
    reps,
    expectedPerPort: expected,
    commands: [
      `${fleet.shown} (the fleet view; each server at the default --interval 2000)`,
      `${ops.shown()} (the grid of web-1 alone, default --interval 2000)`,
      `${fleet.servers.map((s) => dockerSshArgvFor(s.hostAlias, 'stats', '-a').join(' ')).join('  ·  ')} (each in its own pane; refreshes every second)`,
    ],
    summary: summarise(reps, expected),
  };
}

/** Per port: the distinct counts seen across the window's samples. */
function tcpRange(w: WindowFigures): Record<number, number[]> {
  const out: Record<number, Set<number>> = {};
  const ports = new Set(w.samples.flatMap((s) => Object.keys(s).map(Number)));
  for (const p of ports) out[p] = new Set(w.samples.map((s) => s[p] ?? 0));
  return Object.fromEntries(Object.entries(out).map(([p, s]) => [p, [...s].sort((a, b) => a - b)]));
}

function summarise(reps: readonly LiveRep[], expected: Record<number, number>): LiveSummary {
  const s = (f: (r: LiveRep) => number) => spread(reps.map(f));
  const fleet = s((r) => r.fleet.clientMs);
  const grid = s((r) => r.grid.clientMs);
  const docker = s((r) => r.docker.clientMs);
  const perPortAlways: Record<number, number[]> = {};
  const sessionsPerPort: Record<number, number[]> = {};
  let connPass = true;
  let samples = 0;
  for (const r of reps) {
    samples += r.fleet.samples.length;
    for (const [port, want] of Object.entries(expected)) {
      const p = Number(port);
      const seen = new Set(perPortAlways[p] ?? []);
      for (const sm of r.fleet.samples) {
        seen.add(sm[p] ?? 0);
        if ((sm[p] ?? 0) !== want) connPass = false;
      }
      perPortAlways[p] = [...seen].sort((a, b) => a - b);
      const c = r.fleet.sessions[p]?.connections ?? 0;
      (sessionsPerPort[p] ??= []).push(c);
      if (c !== want) connPass = false;
    }
    // Connections to anything but the sshd ports: none expected.
    if (r.fleet.otherTcp > 0) connPass = false;
    for (const sm of r.fleet.samples) for (const port of Object.keys(sm)) if (!(port in expected)) connPass = false;
  }
  const sum = (w: WindowFigures, f: (x: { connections: number; cpuMs: number }) => number) => Object.values(w.sessions).reduce((a, x) => a + f(x), 0);
  const hwm = s((r) => (r.fleet.hwmKb ?? NaN) / 1024);
  return {
    vsGrid: { fleet, other: grid, grid, ratio: fleet.median / grid.median, perRep: s((r) => r.fleet.clientMs / r.grid.clientMs), pass: fleet.median / grid.median <= 1.5 },
    vsDocker: { fleet, other: docker, docker, ratio: fleet.median / docker.median, perRep: s((r) => r.fleet.clientMs / r.docker.clientMs), pass: fleet.median / docker.median <= 0.1 },
    connections: {
      pass: connPass,
      samples,
      perPortAlways,
      otherTcpMax: Math.max(...reps.map((r) => r.fleet.otherTcp)),
      sessionsPerPort,
      dockerSessions: s((r) => sum(r.docker, (x) => x.connections)),
      dockerMaxTcp: s((r) => Math.max(...r.docker.samples.map((sm) => Object.values(sm).reduce((a, b) => a + b, 0)))),
    },
    sshdCpu: { fleet: s((r) => sum(r.fleet, (x) => x.cpuMs)), grid: s((r) => sum(r.grid, (x) => x.cpuMs)), docker: s((r) => sum(r.docker, (x) => x.cpuMs)) },
    memory: {
      hwmMb: hwm,
      rssMb: s((r) => (r.fleet.rssKb ?? NaN) / 1024),
      gridHwmMb: s((r) => (r.grid.hwmKb ?? NaN) / 1024),
      dockerRssMb: s((r) => (r.docker.rssKb ?? NaN) / 1024),
      pass: hwm.max < 150,
    },
    procs: { fleet: s((r) => r.fleet.clientProcesses), grid: s((r) => r.grid.clientProcesses), docker: s((r) => r.docker.clientProcesses) },
    dockerRows: s((r) => r.docker.shown.reduce((a, b) => a + b, 0)),
  };
}

export function liveTable(r: LiveResult, servers: readonly BenchServer[]): string {
  const m = r.summary;
  const W = r.windowSeconds;
  const ms = (x: Spread) => fmtSpread(x, ' ms');
  const n = servers.length;
  const portName = (p: number) => servers.filter((s) => s.port === p).map((s) => s.name).join('+');
  const conn = Object.keys(r.expectedPerPort)
    .map(Number)
    .map((p) => `${portName(p)} (:${p}) ${m.connections.perPortAlways[p]?.join('/') ?? '0'}`)
    .join(', ');
  const sess = Object.keys(r.expectedPerPort)
    .map(Number)
    .map((p) => `${portName(p)} ${fmtSpread(spread(m.connections.sessionsPerPort[p] ?? []))}`)
    .join(', ');
  return markdownTable([
    [`per ${W} s window, median (min–max) of ${r.reps.length} repetitions`, `opsdeck --group shop (fleet view, ${n} servers)`, 'opsdeck --host opsdeck-lab (grid of web-1)', `${n}x docker -H ssh://… stats -a`],
    ['**client CPU** (process tree: utime + stime, with reaped children)', `**${ms(m.vsGrid.fleet)}**`, ms(m.vsGrid.grid), ms(m.vsDocker.docker)],
    [
      'fleet ÷ peer, ratio of medians',
      '',
      `**${fmt(m.vsGrid.ratio, 3)}** (budget ≤ 1.5) ${m.vsGrid.pass ? 'met' : 'MISSED'}; per rep ${fmtSpread(m.vsGrid.perRep, '', 3)}`,
      `**${fmt(m.vsDocker.ratio, 3)}** (budget ≤ 0.1) ${m.vsDocker.pass ? 'met' : 'MISSED'}; per rep ${fmtSpread(m.vsDocker.perRep, '', 3)}`,
    ],
    ['client processes at the end of the window', fmtSpread(m.procs.fleet), fmtSpread(m.procs.grid), `${fmtSpread(m.procs.docker)} (docker + an ssh per stream)`],
    [
      `**TCP connections** to each server's sshd, at each of ${m.connections.samples} samples (every ${SAMPLE_MS / 1000} s; budget: exactly one per server)`,
      `${conn}; other TCP: ${m.connections.otherTcpMax} — **${m.connections.pass ? 'met' : 'MISSED'}**`,
      '',
      `${fmtSpread(m.connections.dockerMaxTcp)} at once, at most (all servers)`,
    ],
    ['sshd sessions of the client over the window (polled every 250 ms)', sess, '', `${fmtSpread(m.connections.dockerSessions)} (all servers)`],
    ['sshd CPU: the client\'s sessions and the commands they run (context)', ms(m.sshdCpu.fleet), ms(m.sshdCpu.grid), ms(m.sshdCpu.docker)],
    [
      '**resident memory** (budget < 150 MB)',
      `peak VmHWM **${fmtSpread(m.memory.hwmMb, ' MB', 1)}** ${m.memory.pass ? 'met' : 'MISSED'}; VmRSS at end ${fmtSpread(m.memory.rssMb, ' MB', 1)}`,
      `peak VmHWM ${fmtSpread(m.memory.gridHwmMb, ' MB', 1)}`,
      `RSS ${fmtSpread(m.memory.dockerRssMb, ' MB', 1)} (docker + its ssh processes)`,
    ],
    ['on screen at the end', `all ${n} servers connected with figures, none stale (checked)`, 'every row with its figures (checked)', `${fmtSpread(m.dockerRows)} container rows with figures (all panes)`],
  ]);
}
