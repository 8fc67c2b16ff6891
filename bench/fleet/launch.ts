/**
 * Launch: the fleet view of three servers, complete, within 1.0 s. opsdeck runs in a tmux pane
 * (160x50) captured every ~20 ms from the moment tmux is asked to start it, until the title says
 * all three are connected and every server line shows FAULTS, LOAD, MEM and DISK. The
 * single-server grid of web-1 is launched the same way in the same pane (bench/grid/launch.ts's
 * launchAndWait), alternating which goes first, for the ratio.
 */
import type { LabInfo } from '../../test/lab/api.js';
import { launchAndWait, PANE } from '../grid/launch.js';
import type { Opsdeck } from '../grid/setup.js';
import { dockerCliEnv } from '../lib/docker-cli.js';
import { retrying } from '../lib/retry.js';
import { fmt, fmtSpread, markdownTable, spread, type Spread } from '../lib/spread.js';
import { TmuxPane } from '../lib/tmux.js';
import { describeProgress, fleetProgress, type FleetProgress } from './screens.js';
import { GROUP, type Fleet } from './setup.js';

export const CAPTURE_EVERY_MS = 20;

export interface FleetTiming {
  painted: number | null;
  allConnected: number | null;
  complete: number | null;
  last: FleetProgress;
  screen: string;
}

/** Launch the fleet TUI in the pane and time its milestones; leaves it running. */
export async function launchFleetAndWait(pane: TmuxPane, fleet: Fleet, opts: { everyMs?: number; timeoutMs?: number } = {}): Promise<FleetTiming> {
  const names = fleet.servers.map((s) => s.name);
  const every = opts.everyMs ?? CAPTURE_EVERY_MS;
  const t0 = performance.now();
  await pane.launch(fleet.argv);
  const out: FleetTiming = { painted: null, allConnected: null, complete: null, last: fleetProgress('', names, GROUP), screen: '' };
  const deadline = t0 + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const started = performance.now();
    const screen = await pane.capture();
    const at = performance.now() - t0;
    const p = fleetProgress(screen, names, GROUP);
    out.last = p;
    out.screen = screen;
    if (p.painted && out.painted === null) out.painted = at;
    if (p.allConnected && out.allConnected === null) out.allConnected = at;
    if (p.complete) {
      out.complete = at;
      return out;
    }
    if (performance.now() > deadline) return out;
    const wait = every - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

export interface LaunchResult {
  launches: number;
  fleet: { painted: Spread; allConnected: Spread; complete: Spread };
  grid: { painted: Spread; complete: Spread };
  ratio: number;
  ratioPerLaunch: Spread;
  commands: string[];
  budgetMs: 1000;
  pass: boolean;
}

export async function benchLaunch(lab: LabInfo, ops: Opsdeck, fleet: Fleet, launches: number, log: (s: string) => void): Promise<LaunchResult> {
  const pane = new TmuxPane('fleetbench-launch', dockerCliEnv(lab));
  const f = { painted: [] as number[], allConnected: [] as number[], complete: [] as number[] };
  const g = { painted: [] as number[], complete: [] as number[] };
  pane.open(PANE.width, PANE.height);
  try {
    const oneFleet = async () => {
      const t = await launchFleetAndWait(pane, fleet);
      await pane.idle();
      if (t.complete === null) throw new Error(`the fleet view was not complete after 30 s (${describeProgress(t.last)}). Last screen:\n${t.screen}`);
      return t;
    };
    const oneGrid = async () => {
      const t = await launchAndWait(pane, lab, ops);
      await pane.idle();
      if (t.complete === null) throw new Error(`the grid was not complete after 30 s (missing rows: ${t.last.missingRows.join(', ') || 'none'}; no CPU figure: ${t.last.missingCpu.join(', ') || 'none'}). Last screen:\n${t.screen}`);
      return t;
    };
    // Warm-up: page cache, each sshd's first fork.
    await retrying('fleet warm-up', oneFleet, log);
    await retrying('grid warm-up', oneGrid, log);
    for (let i = 0; i < launches; i++) {
      const order = i % 2 === 0 ? (['fleet', 'grid'] as const) : (['grid', 'fleet'] as const);
      let ft: FleetTiming | undefined;
      let gt: Awaited<ReturnType<typeof oneGrid>> | undefined;
      for (const what of order) {
        if (what === 'fleet') ft = await retrying('fleet launch', oneFleet, log);
        else gt = await retrying('grid launch', oneGrid, log);
      }
      f.painted.push(ft!.painted!);
      f.allConnected.push(ft!.allConnected!);
      f.complete.push(ft!.complete!);
      g.painted.push(gt!.painted!);
      g.complete.push(gt!.complete!);
      log(`  launch ${i + 1}/${launches}: fleet first paint ${fmt(ft!.painted!)} ms, ${fleet.servers.length} connected ${fmt(ft!.allConnected!)} ms, complete ${fmt(ft!.complete!)} ms · grid (web-1) first paint ${fmt(gt!.painted!)} ms, complete ${fmt(gt!.complete!)} ms`);
    }
  } finally {
    pane.close();
  }
  const complete = spread(f.complete);
  const gridComplete = spread(g.complete);
  return {
    launches,
    fleet: { painted: spread(f.painted), allConnected: spread(f.allConnected), complete },
    grid: { painted: spread(g.painted), complete: gridComplete },
    ratio: complete.median / gridComplete.median,
    ratioPerLaunch: spread(f.complete.map((x, i) => x / g.complete[i]!)),
    commands: [
      `tmux new-session -d -x ${PANE.width} -y ${PANE.height} 'sleep 86400' (once, on a private tmux socket)`,
      `tmux respawn-pane -k '${fleet.shown}' (each launch; capture-pane -p every ${CAPTURE_EVERY_MS} ms)`,
      `tmux respawn-pane -k '${ops.shown()}' (the same pane, alternating)`,
    ],
    budgetMs: 1000,
    pass: complete.median <= 1000,
  };
}

export function launchTable(r: LaunchResult, servers: number): string {
  return markdownTable([
    ['from launch, median (min–max)', `opsdeck --group shop (fleet view, ${servers} servers)`, 'opsdeck --host opsdeck-lab (grid of web-1)', 'ratio of medians'],
    ['first paint', fmtSpread(r.fleet.painted, ' ms'), fmtSpread(r.grid.painted, ' ms'), fmt(r.fleet.painted.median / r.grid.painted.median, 2)],
    [`title says ${servers} connected`, fmtSpread(r.fleet.allConnected, ' ms'), '', ''],
    [
      'complete (fleet: every server connected with FAULTS, LOAD, MEM, DISK; grid: every row with its CPU figure) (budget ≤ 1000 ms)',
      `**${fmtSpread(r.fleet.complete, ' ms')}** ${r.pass ? 'met' : 'MISSED'}`,
      fmtSpread(r.grid.complete, ' ms'),
      `${fmt(r.ratio, 2)}; per launch ${fmtSpread(r.ratioPerLaunch, '', 2)}`,
    ],
  ]);
}
