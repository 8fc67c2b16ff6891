/**
 * Budget 1: `opsdeck status --json` (health, restarts, CPU %, memory against limits for every
 * container) against `docker -H ssh://HOST ps -a` followed by `docker -H ssh://HOST stats
 * --no-stream -a`, which together return less. Rounds alternate which side goes first; each
 * round also times `node opsdeck.mjs --version`: the floor that loading the bundle sets.
 */
import type { LabInfo } from '../../test/lab/api.js';
import { dockerCliEnv, dockerSshArgv, timed } from '../lib/docker-cli.js';
import { retrying } from '../lib/retry.js';
import { fmt, fmtSpread, markdownTable, spread, type Spread } from '../lib/spread.js';
import { steadyContainers, type Opsdeck } from './setup.js';

export interface StatusResult {
  runs: number;
  opsdeck: { wall: Spread; cpu: Spread };
  startFloor: { wall: Spread; cpu: Spread };
  peer: { wall: Spread; cpu: Spread; ps: Spread; stats: Spread; withFigures: Spread };
  steady: number;
  ratio: number;
  ratioPerRound: Spread;
  commands: string[];
  budget: 0.25;
  pass: boolean;
}

interface StatusService {
  containers: { name: string; cpuPercent: number | null; memoryUsedBytes: number | null }[];
}

interface StatusJson {
  projects: { services: StatusService[]; oneoffs?: StatusService[] }[];
}

/** Throws unless the JSON has every lab container, and CPU and memory for every steady one. */
function checkFull(stdout: string, lab: LabInfo): void {
  const j = JSON.parse(stdout) as StatusJson;
  const got = new Map(j.projects.flatMap((p) => [...p.services, ...(p.oneoffs ?? [])].flatMap((s) => s.containers)).map((c) => [c.name, c]));
  const missing = lab.containers.filter((c) => !got.has(c.name)).map((c) => c.name);
  if (missing.length) throw new Error(`opsdeck status --json lacks containers: ${missing.join(', ')}`);
  const noFigures = steadyContainers(lab).filter((n) => got.get(n)!.cpuPercent === null || got.get(n)!.memoryUsedBytes === null);
  if (noFigures.length) throw new Error(`opsdeck status --json has no CPU/memory for: ${noFigures.join(', ')}`);
}

function checkNames(out: string, lab: LabInfo, what: string): void {
  const missing = lab.containers.filter((c) => !out.includes(c.name)).map((c) => c.name);
  if (missing.length) throw new Error(`${what} lacks containers: ${missing.join(', ')}`);
}

/**
 * How many of the steady containers \`docker stats --no-stream -a\` gave figures for: under load
 * the CLI prints "--" rows for containers whose stats did not arrive in time. Counted, not
 * failed: its wall time is what it is either way.
 */
function figuresIn(out: string, lab: LabInfo): number {
  const lines = out.split('\n');
  return steadyContainers(lab).filter((n) => lines.some((l) => l.split(/\s+/).includes(n) && /\s\d+\.\d+%\s/.test(l))).length;
}

export async function benchStatus(lab: LabInfo, ops: Opsdeck, runs: number, log: (s: string) => void): Promise<StatusResult> {
  const env = dockerCliEnv(lab);
  const psArgv = dockerSshArgv(lab, 'ps', '-a');
  const statsArgv = dockerSshArgv(lab, 'stats', '--no-stream', '-a');
  const opsArgv = ops.argv('status', '--json');

  const runOpsdeck = async () => {
    const r = await timed(opsArgv, env);
    if (r.code !== 0 && r.code !== 1) throw new Error(`opsdeck status exited ${r.code}: ${r.stderr.trim()}`);
    checkFull(r.stdout, lab);
    return r;
  };
  const runPeer = async () => {
    const ps = await timed(psArgv, env);
    if (ps.code !== 0) throw new Error(`docker ps failed: ${ps.stderr.trim()}`);
    checkNames(ps.stdout, lab, 'docker ps -a');
    const st = await timed(statsArgv, env);
    if (st.code !== 0) throw new Error(`docker stats failed: ${st.stderr.trim()}`);
    return { ps, st, withFigures: figuresIn(st.stdout, lab) };
  };
  const runFloor = async () => {
    const r = await timed([...ops.start, '--version'], env);
    if (r.code !== 0) throw new Error(`opsdeck --version exited ${r.code}`);
    return r;
  };

  // Warm both (page cache, sshd's first fork), then measure.
  await runOpsdeck();
  await runPeer();
  await runFloor();

  const o = { wall: [] as number[], cpu: [] as number[] };
  const f = { wall: [] as number[], cpu: [] as number[] };
  const p = { wall: [] as number[], cpu: [] as number[], ps: [] as number[], stats: [] as number[], withFigures: [] as number[] };
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const doOps = async () => {
      const r = await runOpsdeck();
      o.wall.push(r.wallMs);
      o.cpu.push(r.cpuMs);
      return r.wallMs;
    };
    const doPeer = async () => {
      const { ps, st, withFigures } = await runPeer();
      p.withFigures.push(withFigures);
      p.wall.push(ps.wallMs + st.wallMs);
      p.cpu.push(ps.cpuMs + st.cpuMs);
      p.ps.push(ps.wallMs);
      p.stats.push(st.wallMs);
      return ps.wallMs + st.wallMs;
    };
    let a: number;
    let b: number;
    if (i % 2 === 0) {
      a = await retrying('opsdeck status', doOps, log);
      b = await retrying('docker ps + stats', doPeer, log);
    } else {
      b = await retrying('docker ps + stats', doPeer, log);
      a = await retrying('opsdeck status', doOps, log);
    }
    const fl = await runFloor();
    f.wall.push(fl.wallMs);
    f.cpu.push(fl.cpuMs);
    ratios.push(a / b);
    log(`  round ${i + 1}/${runs}: opsdeck ${fmt(a)} ms · docker ps + stats ${fmt(b)} ms · ratio ${fmt(a / b, 3)} · opsdeck --version ${fmt(fl.wallMs)} ms`);
  }
  const ow = spread(o.wall);
  const pw = spread(p.wall);
  const ratio = ow.median / pw.median;
  return {
    runs,
    opsdeck: { wall: ow, cpu: spread(o.cpu) },
    startFloor: { wall: spread(f.wall), cpu: spread(f.cpu) },
    peer: { wall: pw, cpu: spread(p.cpu), ps: spread(p.ps), stats: spread(p.stats), withFigures: spread(p.withFigures) },
    steady: steadyContainers(lab).length,
    ratio,
    ratioPerRound: spread(ratios),
    commands: [ops.shown('status', '--json'), `${psArgv.join(' ')}  &&  ${statsArgv.join(' ')}`],
    budget: 0.25,
    pass: ratio <= 0.25,
  };
}

export function statusTable(r: StatusResult): string {
  return markdownTable([
    ['', 'opsdeck status --json', 'docker ps -a + docker stats --no-stream -a'],
    ['wall time, median (min–max)', fmtSpread(r.opsdeck.wall, ' ms'), fmtSpread(r.peer.wall, ' ms')],
    ['  of which', `node opsdeck.mjs --version alone: ${fmtSpread(r.startFloor.wall, ' ms')}`, `ps ${fmtSpread(r.peer.ps, ' ms')}; stats ${fmtSpread(r.peer.stats, ' ms')}`],
    [`containers meant to run, with CPU/memory figures (of ${r.steady})`, `${r.steady} every time (checked)`, fmtSpread(r.peer.withFigures)],
    ['client CPU (process + children)', fmtSpread(r.opsdeck.cpu, ' ms'), fmtSpread(r.peer.cpu, ' ms')],
    ['ratio of medians (budget ≤ 0.25)', `**${fmt(r.ratio, 3)}** ${r.pass ? 'met' : 'MISSED'}`, `per round: ${fmtSpread(r.ratioPerRound, '', 3)}`],
  ]);
}
