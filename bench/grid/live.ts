/**
 * Budget 3: 60 s of the live grid against 60 s of `docker -H ssh://HOST stats -a`, both running in
 * the same tmux pane, and an idle window (neither running) of the same length as the baseline.
 * Each repetition runs the three windows in a rotated order, so drift in the machine's load
 * falls on all three alike.
 *
 * Per window, from /proc:
 * - client: the pane's whole process tree (opsdeck: node; docker: the CLI and every ssh it
 *   spawns), own CPU plus reaped children, before/after;
 * - sshd: the sessions of that client only (bench/lib/sshd-sessions.ts), with the commands they
 *   run (opsdeck's per-round `sh` reading cgroup files; the CLI's `docker system dial-stdio`);
 * - dockerd, containerd, and the lab's containerd shims (docker stats makes dockerd ask
 *   containerd, which asks each container's shim), read every 5 s: the window's figure less the
 *   idle window's. The lab's dockerd is shared with other engineers' tests, whose bursts swamp
 *   whole-window totals, so the budget uses the interquartile mean of 5-s slices' rates × 60 s;
 *   the totals are shown beside them;
 * - tmux's server (drawing what each program writes), for context;
 * - opsdeck's memory: VmRSS at the end and VmHWM (peak) of the node process.
 * Each program runs until its screen is complete (docker stats: watched for 8 s) plus a 3 s
 * settling pause before a window opens, so start-up is not in the window (budget 2 covers it).
 */
import path from 'node:path';
import type { LabInfo } from '../../test/lab/api.js';
import { dockerCliEnv, dockerSshArgv } from '../lib/docker-cli.js';
import { allStats, childrenOf, cmdline, memory, processTree, readPidFile, readStat, treeCpuMs } from '../lib/proc.js';
import { retrying } from '../lib/retry.js';
import { SshdSessions } from '../lib/sshd-sessions.js';
import { fmt, fmtSpread, markdownTable, spread, type Spread } from '../lib/spread.js';
import { TmuxPane } from '../lib/tmux.js';
import { dockerStatsAndWait, launchAndWait, PANE } from './launch.js';
import { dockerStatsWithFigures, gridProgress } from './screens.js';
import { expectedRows, steadyContainers, type Opsdeck } from './setup.js';

type Kind = 'idle' | 'opsdeck' | 'docker';

interface WindowFigures {
  kind: Kind;
  seconds: number;
  clientMs: number;
  sshdMs: number;
  sshConnections: number;
  /** Whole window, scaled to exactly W. */
  dockerdMs: number;
  containerdMs: number;
  shimsMs: number;
  /** The interquartile mean of the slices' rates, times W: robust against other people's bursts of API work. */
  dockerdMedMs: number;
  containerdMedMs: number;
  shimsMedMs: number;
  tmuxMs: number;
  rssKb: number | null;
  hwmKb: number | null;
  clientProcesses: number;
  /** Steady containers with figures on screen at the end of the window. */
  withFigures: number;
}

export interface LiveRep {
  idle: WindowFigures;
  opsdeck: WindowFigures;
  docker: WindowFigures;
}

export interface LiveResult {
  windowSeconds: number;
  reps: LiveRep[];
  intervalMs: number;
  commands: string[];
  summary: LiveSummary;
}

type Pair = { opsdeck: Spread; docker: Spread };

interface LiveSummary {
  client: Pair & { ratio: number; ratioPerRep: Spread; pass: boolean };
  /** dockerd over idle: slice-based (the budget), and whole-window totals. */
  dockerd: Pair & { ratio: number; ratioPerRep: Spread; pass: boolean; totals: Pair; idle: Spread; idleTotals: Spread };
  containerd: Pair;
  shims: Pair;
  sshd: Pair & { connOps: Spread; connDocker: Spread };
  serverTotal: Pair;
  everything: Pair;
  tmux: Pair;
  memory: { rssMb: Spread; hwmMb: Spread; dockerRssMb: Spread; pass: boolean };
  shown: Pair & { steady: number; procsOps: Spread; procsDocker: Spread };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mean of the middle half (all of them when there are fewer than four). */
function interquartileMean(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const cut = s.length >= 4 ? Math.floor(s.length / 4) : 0;
  const mid = s.slice(cut, s.length - cut);
  return mid.reduce((a, b) => a + b, 0) / mid.length;
}

/** The server's daemons are read every SLICE_MS within a window. */
const SLICE_MS = 5000;

interface ServerReading {
  t: number;
  dockerd: number;
  containerd: number;
  shims: Map<string, number>;
}

/**
 * Totals and robust rates from readings SLICE_MS apart. A shim counts in a slice when it lives
 * at both ends (the crash loop's shims come and go). Other engineers share the lab's dockerd:
 * their bursts land in a few slices, so the mean of the middle half of the slices' rates (the
 * interquartile mean) tells the steady cost; slices of 5 s keep /proc's 10 ms ticks small beside it.
 */
function serverFigures(rs: readonly ServerReading[], W: number): Pick<WindowFigures, 'dockerdMs' | 'containerdMs' | 'shimsMs' | 'dockerdMedMs' | 'containerdMedMs' | 'shimsMedMs'> {
  const slices = rs.slice(1).map((b, i) => {
    const a = rs[i]!;
    let shims = 0;
    for (const [key, v] of b.shims) if (a.shims.has(key)) shims += v - a.shims.get(key)!;
    const dt = b.t - a.t;
    return { dt, dockerd: b.dockerd - a.dockerd, containerd: b.containerd - a.containerd, shims };
  });
  const span = rs.at(-1)!.t - rs[0]!.t;
  const total = (f: (s: (typeof slices)[number]) => number) => (slices.reduce((acc, s) => acc + f(s), 0) * W) / span;
  const median = (f: (s: (typeof slices)[number]) => number) => interquartileMean(slices.map((s) => f(s) / s.dt)) * W;
  return {
    dockerdMs: total((s) => s.dockerd),
    containerdMs: total((s) => s.containerd),
    shimsMs: total((s) => s.shims),
    dockerdMedMs: median((s) => s.dockerd),
    containerdMedMs: median((s) => s.containerd),
    shimsMedMs: median((s) => s.shims),
  };
}

function shimCpu(lab: LabInfo): Map<string, number> {
  // The lab's shims carry its containerd socket (under the lab's exec root) in argv.
  const address = path.dirname(lab.docker.socketPath);
  const out = new Map<string, number>();
  for (const s of allStats().values()) {
    if (!s.comm.startsWith('containerd-shim')) continue;
    if (!cmdline(s.pid).some((a) => a.startsWith(address))) continue;
    out.set(`${s.pid}:${s.start}`, s.withReapedMs);
  }
  return out;
}

function tmuxServerPid(pane: TmuxPane): number | null {
  const root = pane.panePid();
  const s = root ? readStat(root) : null;
  return s ? s.ppid : null;
}

export async function benchLive(lab: LabInfo, ops: Opsdeck, opts: { reps: number; windowSeconds: number; settleMs?: number }, log: (s: string) => void): Promise<LiveResult> {
  const env = dockerCliEnv(lab);
  // Other engineers' tests stop and start the lab's sshd (reconnect tests): the daemons are
  // looked up for every window, and a window during which one was restarted is run again.
  const daemons = () => {
    const dockerd = readPidFile(path.join(lab.labDir, 'run', 'dockerd.pid'));
    const sshd = readPidFile(path.join(lab.labDir, 'run', 'sshd.pid'));
    const containerd = childrenOf(dockerd).find((p) => readStat(p)?.comm === 'containerd');
    if (!containerd) throw new Error(`no containerd under the lab's dockerd (pid ${dockerd})`);
    const key = [dockerd, sshd, containerd].map((p) => `${p}:${readStat(p)?.start}`).join(' ');
    return { dockerd, sshd, containerd, key };
  };
  const W = opts.windowSeconds * 1000;
  const settle = opts.settleMs ?? 3000;
  const rows = expectedRows(lab);
  const steady = steadyContainers(lab);
  const pane = new TmuxPane('gridbench-live', env);
  pane.open(PANE.width, PANE.height);

  const window = async (kind: Kind): Promise<WindowFigures> => {
    try {
      return await measureWindow(kind);
    } finally {
      if (kind !== 'idle') await pane.idle();
    }
  };

  const measureWindow = async (kind: Kind): Promise<WindowFigures> => {
    if (kind === 'opsdeck') {
      const t = await launchAndWait(pane, lab, ops);
      if (t.complete === null) throw new Error(`opsdeck's grid never completed:\n${t.screen}`);
    } else if (kind === 'docker') {
      const t = await dockerStatsAndWait(pane, lab);
      if (t.atMs === null) throw new Error('docker stats -a never showed a container with figures');
    }
    await sleep(settle);
    const root = kind === 'idle' ? null : pane.panePid();
    if (kind !== 'idle' && !root) throw new Error(`${kind} is not running in the pane`);
    const tmuxPid = tmuxServerPid(pane);
    const { dockerd, sshd, containerd, key: daemonsAtStart } = daemons();
    const sessions = new SshdSessions(sshd, lab.sshd.port, () => root);
    const readServer = (): ServerReading => ({ t: performance.now(), dockerd: readStat(dockerd)!.withReapedMs, containerd: treeCpuMs(containerd), shims: shimCpu(lab) });
    const a = { t: performance.now(), client: root ? treeCpuMs(root) : 0, tmux: tmuxPid ? readStat(tmuxPid)!.selfMs : 0 };
    const server = [readServer()];
    sessions.start(100);
    for (let i = 1; i * SLICE_MS <= W; i++) {
      await sleep(Math.max(0, server[0]!.t + i * SLICE_MS - performance.now()));
      server.push(readServer());
    }
    const sess = sessions.stop();
    const b = { t: performance.now(), client: root ? treeCpuMs(root) : 0, tmux: tmuxPid ? readStat(tmuxPid)!.selfMs : 0 };
    if (daemons().key !== daemonsAtStart) throw new Error("the lab's sshd or dockerd was restarted meanwhile (someone else's test)");
    const srv = serverFigures(server, W);
    const tree = root ? processTree(root) : [];
    let rssKb: number | null = null;
    let hwmKb: number | null = null;
    let withFigures = 0;
    if (kind === 'opsdeck') {
      const node = tree.find((p) => cmdline(p.pid).includes(ops.bundle));
      const m = node ? memory(node.pid) : null;
      rssKb = m?.rssKb ?? null;
      hwmKb = m?.hwmKb ?? null;
      const screen = await pane.capture();
      const g = gridProgress(screen, rows, lab.projects);
      if (!g.complete || /STALE/.test(screen)) throw new Error(`opsdeck's grid was not complete and current at the end of the window:\n${screen}`);
      withFigures = steady.length;
    } else if (kind === 'docker') {
      rssKb = tree.reduce((acc, p) => acc + (memory(p.pid)?.rssKb ?? 0), 0);
      withFigures = dockerStatsWithFigures(await pane.capture(), steady);
    }
    const clientProcesses = tree.length;
    // Scale to exactly the window's length (timers overshoot by a few ms).
    const k = W / (b.t - a.t);
    return {
      kind,
      seconds: (b.t - a.t) / 1000,
      clientMs: (b.client - a.client) * k,
      sshdMs: sess.cpuMs * k,
      sshConnections: sess.connections,
      ...srv,
      tmuxMs: (b.tmux - a.tmux) * k,
      rssKb,
      hwmKb,
      clientProcesses,
      withFigures,
    };
  };

  const reps: LiveRep[] = [];
  const orders: Kind[][] = [
    ['idle', 'opsdeck', 'docker'],
    ['opsdeck', 'docker', 'idle'],
    ['docker', 'idle', 'opsdeck'],
  ];
  try {
    for (let r = 0; r < opts.reps; r++) {
      const got: Partial<Record<Kind, WindowFigures>> = {};
      for (const kind of orders[r % orders.length]!) {
        log(`  rep ${r + 1}/${opts.reps}: ${kind} window (${opts.windowSeconds} s)…`);
        got[kind] = await retrying(`the ${kind} window`, () => window(kind), log, 5);
      }
      const rep = got as LiveRep;
      reps.push(rep);
      const c = (w: WindowFigures) => `client ${fmt(w.clientMs)} ms, sshd ${fmt(w.sshdMs)} ms (${w.sshConnections} conn), dockerd ${fmt(w.dockerdMedMs - rep.idle.dockerdMedMs)} ms over idle (whole window ${fmt(w.dockerdMs - rep.idle.dockerdMs)})`;
      log(`  rep ${r + 1}: idle dockerd ${fmt(rep.idle.dockerdMedMs)} ms (whole window ${fmt(rep.idle.dockerdMs)}) · opsdeck: ${c(rep.opsdeck)}, VmHWM ${fmt((rep.opsdeck.hwmKb ?? NaN) / 1024, 1)} MB · docker stats: ${c(rep.docker)}`);
    }
  } finally {
    pane.close();
  }
  return {
    windowSeconds: opts.windowSeconds,
    reps,
    intervalMs: 2000,
    commands: [`${ops.shown()} (default --interval 2000)`, `${dockerSshArgv(lab, 'stats', '-a').join(' ')} (refreshes every second; not configurable)`],
    summary: summarise(reps, steady.length),
  };
}

function summarise(reps: readonly LiveRep[], steady: number): LiveSummary {
  type Side = 'opsdeck' | 'docker';
  type Key = 'dockerdMs' | 'containerdMs' | 'shimsMs' | 'dockerdMedMs' | 'containerdMedMs' | 'shimsMedMs';
  const s = (f: (r: LiveRep) => number) => spread(reps.map(f));
  const over = (w: Side, key: Key) => (r: LiveRep) => r[w][key] - r.idle[key];
  const pair = (f: (w: Side) => (r: LiveRep) => number): Pair => ({ opsdeck: s(f('opsdeck')), docker: s(f('docker')) });
  const server = (w: Side) => (r: LiveRep) => r[w].sshdMs + over(w, 'dockerdMedMs')(r) + over(w, 'containerdMedMs')(r) + over(w, 'shimsMedMs')(r);
  const client = pair((w) => (r) => r[w].clientMs);
  const dockerd = pair((w) => over(w, 'dockerdMedMs'));
  const hwm = s((r) => (r.opsdeck.hwmKb ?? NaN) / 1024);
  return {
    client: { ...client, ratio: client.opsdeck.median / client.docker.median, ratioPerRep: s((r) => r.opsdeck.clientMs / r.docker.clientMs), pass: client.opsdeck.median / client.docker.median <= 0.25 },
    dockerd: {
      ...dockerd,
      ratio: dockerd.opsdeck.median / dockerd.docker.median,
      ratioPerRep: s((r) => over('opsdeck', 'dockerdMedMs')(r) / over('docker', 'dockerdMedMs')(r)),
      pass: dockerd.opsdeck.median / dockerd.docker.median <= 0.5,
      totals: pair((w) => over(w, 'dockerdMs')),
      idle: s((r) => r.idle.dockerdMedMs),
      idleTotals: s((r) => r.idle.dockerdMs),
    },
    containerd: pair((w) => over(w, 'containerdMedMs')),
    shims: pair((w) => over(w, 'shimsMedMs')),
    sshd: { ...pair((w) => (r) => r[w].sshdMs), connOps: s((r) => r.opsdeck.sshConnections), connDocker: s((r) => r.docker.sshConnections) },
    serverTotal: pair(server),
    everything: pair((w) => (r) => r[w].clientMs + server(w)(r)),
    tmux: pair((w) => (r) => r[w].tmuxMs),
    memory: { rssMb: s((r) => (r.opsdeck.rssKb ?? NaN) / 1024), hwmMb: hwm, dockerRssMb: s((r) => (r.docker.rssKb ?? NaN) / 1024), pass: hwm.max < 150 },
    shown: { ...pair((w) => (r) => r[w].withFigures), steady, procsOps: s((r) => r.opsdeck.clientProcesses), procsDocker: s((r) => r.docker.clientProcesses) },
  };
}

export function liveTable(r: LiveResult): string {
  const m = r.summary;
  const W = r.windowSeconds;
  const ms = (x: Spread) => fmtSpread(x, ' ms');
  const ratio = (p: Pair) => fmt(p.opsdeck.median / p.docker.median, 3);
  const row = (label: string, p: Pair, extra = ratio(p)) => [label, ms(p.opsdeck), ms(p.docker), extra];
  return markdownTable([
    [`CPU time per ${W} s window, median (min–max) of ${r.reps.length} repetitions`, 'opsdeck TUI (live grid)', 'docker stats -a', 'ratio of medians'],
    [`containers meant to run, with figures on screen at the end (of ${m.shown.steady})`, fmtSpread(m.shown.opsdeck), fmtSpread(m.shown.docker), ''],
    ['client processes at the end of the window', fmtSpread(m.shown.procsOps), `${fmtSpread(m.shown.procsDocker)} (docker + an ssh per stream)`, ''],
    row('**client** (process tree; budget ≤ 0.25x)', m.client, `**${fmt(m.client.ratio, 3)}** ${m.client.pass ? 'met' : 'MISSED'}; per rep ${fmtSpread(m.client.ratioPerRep, '', 3)}`),
    row(`**dockerd**, over idle: interquartile mean of ${SLICE_MS / 1000}-s slices (budget ≤ 0.5x)`, m.dockerd, `**${fmt(m.dockerd.ratio, 3)}** ${m.dockerd.pass ? 'met' : 'MISSED'}; per rep ${fmtSpread(m.dockerd.ratioPerRep, '', 3)}`),
    row('dockerd, over idle: whole-window totals (noisy: shared dockerd)', m.dockerd.totals),
    row('containerd, over idle (IQM of slices)', m.containerd),
    row('containerd shims, over idle (IQM of slices)', m.shims),
    row("sshd: the client's sessions and the commands they run", m.sshd),
    ['  SSH connections in the window', fmtSpread(m.sshd.connOps), fmtSpread(m.sshd.connDocker), ''],
    row('server total (sshd + dockerd + containerd + shims)', m.serverTotal),
    row('client + server', m.everything),
    row('tmux drawing it (context, not counted)', m.tmux, ''),
    ['**resident memory** (budget < 150 MB)', `RSS at end ${fmtSpread(m.memory.rssMb, ' MB', 1)}; peak VmHWM **${fmtSpread(m.memory.hwmMb, ' MB', 1)}** ${m.memory.pass ? 'met' : 'MISSED'}`, `RSS ${fmtSpread(m.memory.dockerRssMb, ' MB', 1)} (docker + its ssh processes)`, ''],
    ['idle window: dockerd alone (IQM of slices; whole window)', `${ms(m.dockerd.idle)}; ${ms(m.dockerd.idleTotals)}`, '', ''],
  ]);
}
