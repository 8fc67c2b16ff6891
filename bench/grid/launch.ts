/**
 * Budget 2: the TUI shows a complete grid within 1.0 s of launch. The real TUI runs in a tmux
 * pane (160x50) and the pane is captured every ~20 ms from launch until every service's row is
 * on screen under its project, with a CPU figure on every row meant to be running. Times are
 * taken when the capture that first shows it returns (so they include up to one capture
 * interval and capture-pane's own latency).
 *
 * Peers, interleaved, for context: `docker -H ssh://HOST ps -a` wall time (spawned directly),
 * and `docker -H ssh://HOST stats -a` in the same pane until its table shows every container.
 */
import type { LabInfo } from '../../test/lab/api.js';
import { dockerCliEnv, dockerSshArgv, timed } from '../lib/docker-cli.js';
import { retrying } from '../lib/retry.js';
import { fmt, fmtSpread, markdownTable, spread, type Spread } from '../lib/spread.js';
import { TmuxPane } from '../lib/tmux.js';
import { dockerStatsWithFigures, gridProgress, type GridProgress } from './screens.js';
import { expectedRows, steadyContainers, type Opsdeck } from './setup.js';

export const PANE = { width: 160, height: 50 };

export interface LaunchResult {
  launches: number;
  painted: Spread;
  rows: Spread;
  complete: Spread;
  dockerPs: Spread;
  dockerStatsFirstFrame: Spread;
  dockerStatsRows: Spread;
  steady: number;
  captureEveryMs: number;
  commands: string[];
  budgetMs: 1000;
  pass: boolean;
}

export interface LaunchTiming {
  painted: number | null;
  rows: number | null;
  complete: number | null;
  last: GridProgress;
  screen: string;
}

/** Launch opsdeck's TUI in the pane and time its milestones; leaves it running. */
export async function launchAndWait(pane: TmuxPane, lab: LabInfo, ops: Opsdeck, opts: { everyMs?: number; timeoutMs?: number; interval?: number } = {}): Promise<LaunchTiming> {
  const rows = expectedRows(lab);
  const argv = ops.argv(...(opts.interval ? ['--interval', String(opts.interval)] : []));
  const every = opts.everyMs ?? 20;
  const t0 = performance.now();
  await pane.launch(argv);
  const out: LaunchTiming = { painted: null, rows: null, complete: null, last: gridProgress('', rows, lab.projects), screen: '' };
  const deadline = t0 + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const started = performance.now();
    const screen = await pane.capture();
    const at = performance.now() - t0;
    const g = gridProgress(screen, rows, lab.projects);
    out.last = g;
    out.screen = screen;
    if (g.painted && out.painted === null) out.painted = at;
    if (g.rows && out.rows === null) out.rows = at;
    if (g.complete) {
      out.complete = at;
      return out;
    }
    if (performance.now() > deadline) return out;
    const wait = every - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

export interface DockerStatsTiming {
  /** ms from launch to the first frame with the most steady containers it showed (null: never any). */
  atMs: number | null;
  withFigures: number;
  steady: number;
}

/**
 * Launch `docker stats -a` in the pane and watch it for `observeMs` (or until every steady
 * container has figures); leaves it running.
 */
export async function dockerStatsAndWait(pane: TmuxPane, lab: LabInfo, opts: { everyMs?: number; observeMs?: number } = {}): Promise<DockerStatsTiming> {
  const steady = steadyContainers(lab);
  const every = opts.everyMs ?? 20;
  const t0 = performance.now();
  await pane.launch(dockerSshArgv(lab, 'stats', '-a'));
  const until = t0 + (opts.observeMs ?? 8000);
  const out: DockerStatsTiming = { atMs: null, withFigures: 0, steady: steady.length };
  for (;;) {
    const started = performance.now();
    const n = dockerStatsWithFigures(await pane.capture(), steady);
    if (n > out.withFigures) {
      out.withFigures = n;
      out.atMs = performance.now() - t0;
    }
    if (n === steady.length || performance.now() > until) return out;
    const wait = every - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

export async function benchLaunch(lab: LabInfo, ops: Opsdeck, launches: number, log: (s: string) => void): Promise<LaunchResult> {
  const env = dockerCliEnv(lab);
  const pane = new TmuxPane('gridbench-launch', env);
  const painted: number[] = [];
  const rowsAt: number[] = [];
  const complete: number[] = [];
  const ps: number[] = [];
  const statsFrame: number[] = [];
  const statsRows: number[] = [];
  pane.open(PANE.width, PANE.height);
  try {
    const one = async () => {
      const t = await launchAndWait(pane, lab, ops);
      await pane.idle();
      if (t.complete === null) {
        throw new Error(`opsdeck's grid was not complete after 30 s (missing rows: ${t.last.missingRows.join(', ') || 'none'}; no CPU figure: ${t.last.missingCpu.join(', ') || 'none'}). Last screen:\n${t.screen}`);
      }
      return t;
    };
    const peerPs = async () => {
      const r = await timed(dockerSshArgv(lab, 'ps', '-a'), env);
      if (r.code !== 0) throw new Error(`docker ps failed: ${r.stderr.trim()}`);
      return r.wallMs;
    };
    const peerStats = async () => {
      const t = await dockerStatsAndWait(pane, lab);
      await pane.idle();
      if (t.atMs === null) throw new Error('docker stats -a showed no container with figures within 8 s');
      return t;
    };
    // Warm-up: page cache, sshd's first fork.
    await one();
    await peerPs();
    for (let i = 0; i < launches; i++) {
      const order = i % 2 === 0 ? ['ops', 'ps', 'stats'] : ['stats', 'ps', 'ops'];
      let t: LaunchTiming | undefined;
      let p = 0;
      let s: DockerStatsTiming | undefined;
      for (const what of order) {
        if (what === 'ops') t = await retrying('opsdeck launch', one, log);
        else if (what === 'ps') p = await retrying('docker ps', peerPs, log);
        else s = await retrying('docker stats', peerStats, log);
      }
      painted.push(t!.painted!);
      rowsAt.push(t!.rows!);
      complete.push(t!.complete!);
      ps.push(p);
      statsFrame.push(s!.atMs!);
      statsRows.push(s!.withFigures);
      log(`  launch ${i + 1}/${launches}: opsdeck first paint ${fmt(t!.painted!)} ms, all rows ${fmt(t!.rows!)} ms, complete ${fmt(t!.complete!)} ms · docker ps -a ${fmt(p)} ms · docker stats -a: ${s!.withFigures}/${s!.steady} containers with figures at ${fmt(s!.atMs!)} ms`);
    }
  } finally {
    pane.close();
  }
  const c = spread(complete);
  return {
    launches,
    painted: spread(painted),
    rows: spread(rowsAt),
    complete: c,
    dockerPs: spread(ps),
    dockerStatsFirstFrame: spread(statsFrame),
    dockerStatsRows: spread(statsRows),
    steady: steadyContainers(lab).length,
    captureEveryMs: 20,
    commands: [`tmux new-session -d -x ${PANE.width} -y ${PANE.height} 'sleep 86400' (once, on a private tmux socket)`, `tmux respawn-pane -k '${ops.shown()}' (each launch; capture-pane -p every 20 ms)`, dockerSshArgv(lab, 'ps', '-a').join(' '), `${dockerSshArgv(lab, 'stats', '-a').join(' ')} (respawned in the same pane)`],
    budgetMs: 1000,
    pass: c.median <= 1000,
  };
}

export function launchTable(r: LaunchResult): string {
  return markdownTable([
    ['from launch, median (min–max)', 'opsdeck TUI', 'peer'],
    ['first paint', fmtSpread(r.painted, ' ms'), ''],
    ['every service row on screen', fmtSpread(r.rows, ' ms'), `docker ps -a (wall): ${fmtSpread(r.dockerPs, ' ms')}`],
    ['complete grid: rows + CPU figures (budget ≤ 1000 ms)', `**${fmtSpread(r.complete, ' ms')}** ${r.pass ? 'met' : 'MISSED'}`, `docker stats -a (same pane): its fullest table, ${fmtSpread(r.dockerStatsRows)} of ${r.steady} containers with figures, at ${fmtSpread(r.dockerStatsFirstFrame, ' ms')}`],
  ]);
}
