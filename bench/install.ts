/**
 * Issue 20: the one file against the split bundle it carries, side by side in one run, for
 * start-up-bound work: `opsdeck logs --tail 10000`, `opsdeck status --json` and the grid's
 * launch (to a complete grid, bench/grid/launch.ts), plus `--version` (Node start + bundle load).
 *
 *   npm run bench:install [-- --runs 9] [--launches 7] [--quick] [--json FILE]
 *
 * Four builds of the same source, made here into a temporary directory and started as
 * `./opsdeck.mjs` starts (node with the hashbang's options):
 *   - split:        today's bundle, the entry plus its chunks beside it (scripts/bundle.mjs buildBundle);
 *   - one file:     dist/opsdeck.mjs as shipped (buildSingleFile), its cache warm;
 *   - one file, cold: the same with a fresh empty XDG_CACHE_HOME for every run (a user's first run of a build);
 *   - unsplit:      the alternative, every command parsing one 3 MB file (buildUnsplit).
 * Rounds are interleaved, the order rotating every round. Budget: one file (warm) ≤ 1.1x split,
 * on the median, for each of the three. Exit status: 0 met, 1 missed, 2 error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { labDocker, requireLab } from '../test/lab/api.js';
import { buildBundle, buildSingleFile, buildUnsplit, shippedNodeFlags } from '../scripts/bundle.mjs';
import { bundleFiles } from './lib/bundle-files.js';
import { timed } from './lib/docker-cli.js';
import { retrying } from './lib/retry.js';
import { updateReadme, withBlock } from './lib/readme.js';
import { fmt, fmtSpread, markdownTable, spread, type Spread } from './lib/spread.js';
import { TmuxPane } from './lib/tmux.js';
import { launchAndWait, PANE } from './grid/launch.js';
import { factsLine, machineFacts, type Opsdeck } from './grid/setup.js';
import { startFlood } from './logs-flood.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    launches: { type: 'string', default: '7' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const RUNS = values.quick ? 3 : Number(values.runs);
const LAUNCHES = values.quick ? 2 : Number(values.launches);
const TAIL = 10_000;
const BUDGET = 1.1;

const lab = await requireLab();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-bench-install-'));
const log = (s: string) => console.error(s);

type Name = 'split' | 'single' | 'cold' | 'unsplit';
interface Variant {
  name: Name;
  label: string;
  file: string;
  /** XDG_CACHE_HOME for the next run (a fresh one each time for the cold variant). */
  cache(): string;
}

const home = path.join(dir, 'home');
fs.mkdirSync(home);
let colds = 0;
const build = { split: path.join(dir, 'split', 'opsdeck.mjs'), single: path.join(dir, 'single', 'opsdeck.mjs'), unsplit: path.join(dir, 'unsplit', 'opsdeck.mjs') };
log('building the split bundle, the one file and the unsplit file from the same source…');
await buildBundle('bin/opsdeck.ts', build.split);
const packed = await buildSingleFile(build.split, build.single);
await buildUnsplit('bin/opsdeck.ts', build.unsplit);
const warmCache = path.join(dir, 'cache-warm');
const variants: Variant[] = [
  { name: 'split', label: 'split bundle (entry + chunks)', file: build.split, cache: () => path.join(dir, 'cache-unused') },
  { name: 'single', label: 'one file, cache warm', file: build.single, cache: () => warmCache },
  { name: 'cold', label: 'one file, first run (cache empty)', file: build.single, cache: () => path.join(dir, `cache-cold-${++colds}`) },
  { name: 'unsplit', label: 'one unsplit file', file: build.unsplit, cache: () => path.join(dir, 'cache-unused') },
];
const sizes = {
  single: fs.statSync(build.single).size,
  split: bundleFiles(build.split).reduce((n, f) => n + fs.statSync(f).size, 0),
  splitFiles: bundleFiles(build.split).length,
  unsplit: fs.statSync(build.unsplit).size,
};

const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCKER_'))) as NodeJS.ProcessEnv;
const envFor = (v: Variant, cache = v.cache()) => ({ ...baseEnv, HOME: home, XDG_CACHE_HOME: cache });
const start = (v: Variant) => [process.execPath, ...shippedNodeFlags(), v.file];
const labFlags = ['--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', '/nonexistent/opsdeck.json'];

interface Sample {
  wall: number;
  cpu: number;
}
const rotate = <T>(xs: T[], k: number) => xs.map((_, i) => xs[(i + k) % xs.length]!);

async function oneShot(what: string, v: Variant, args: string[], check: (stdout: string, code: number | null) => string | null): Promise<Sample> {
  const r = await timed([...start(v), ...args], envFor(v));
  const bad = ((m) => (m && r.stderr.trim() ? `${m}; stderr: ${r.stderr.trim().slice(0, 300)}` : m))(check(r.stdout, r.code)) ?? (r.stderr.trim() ? `stderr: ${r.stderr.trim().slice(0, 300)}` : null);
  if (bad) throw new Error(`${v.name} ${what}: ${bad}`);
  return { wall: r.wallMs, cpu: r.cpuMs };
}

const tasks = {
  version: (v: Variant) => oneShot('--version', v, ['--version'], (out, code) => (code === 0 && /^opsdeck \d/.test(out) ? null : `exit ${code}, ${out.slice(0, 100)}`)),
  logs: (v: Variant, container: string) =>
    oneShot('logs', v, ['logs', container, '--tail', String(TAIL), ...labFlags], (out, code) => {
      const lines = out.split('\n').length - 1;
      return code === 0 && lines === TAIL ? null : `exit ${code}, ${lines} lines`;
    }),
  status: (v: Variant) =>
    oneShot('status --json', v, ['status', '--json', ...labFlags], (out, code) => {
      try {
        const j = JSON.parse(out) as { schema?: number };
        return code === 1 && j.schema === 1 ? null : `exit ${code} (the lab's faults make it 1)`;
      } catch {
        return `exit ${code}, not JSON: ${out.slice(0, 100)}`;
      }
    }),
};

const results: Record<string, Record<Name, Sample[]>> = {};
const put = (task: string, v: Variant, s: Sample) => {
  const byVariant = (results[task] ??= { split: [], single: [], cold: [], unsplit: [] });
  byVariant[v.name].push(s);
};

const docker = labDocker(lab);
const flood = await startFlood(docker, { name: 'opsdeck-bench-install-flood-1', rate: 0, total: 20_000 });
const facts = machineFacts(lab, lab.containers.length);
try {
  for (let i = 0; i < 200; i++) {
    const logs = (await docker.getContainer(flood.id).logs({ stdout: true, stderr: true, tail: 1 })) as unknown as Buffer;
    if (logs.toString().includes('r00019999')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Warm-up, untimed: page cache, sshd's first fork, and the warm variant's cache.
  for (const v of variants) {
    await tasks.version(v);
    await tasks.logs(v, flood.name);
    await tasks.status(v);
  }
  for (let k = 0; k < RUNS; k++) {
    // A run that fails (the shared lab's sshd or dockerd busy with someone else's test) is retried, and said so.
    for (const v of rotate(variants, k)) put('version', v, await retrying(`${v.name} --version`, () => tasks.version(v), log));
    for (const v of rotate(variants, k + 1)) put('logs', v, await retrying(`${v.name} logs`, () => tasks.logs(v, flood.name), log));
    for (const v of rotate(variants, k + 2)) put('status', v, await retrying(`${v.name} status`, () => tasks.status(v), log));
    const m = (t: string, n: Name) => fmt(results[t]![n].at(-1)!.wall);
    log(`  round ${k + 1}/${RUNS}: logs split ${m('logs', 'split')} · one file ${m('logs', 'single')} · cold ${m('logs', 'cold')} · unsplit ${m('logs', 'unsplit')} ms; status ${m('status', 'split')} · ${m('status', 'single')} · ${m('status', 'cold')} · ${m('status', 'unsplit')} ms`);
  }
} finally {
  // Gone before the launches, so the grid shows the lab's rows only, as bench/grid does.
  await flood.remove();
}
{
  const pane = new TmuxPane('installbench-launch', baseEnv);
  pane.open(PANE.width, PANE.height);
  try {
    const opsFor = (v: Variant): Opsdeck => {
      const cache = v.cache();
      // `env` sets the cache for the pane's process; every variant is started the same way.
      const argv = (...a: string[]) => ['env', `HOME=${home}`, `XDG_CACHE_HOME=${cache}`, ...start(v), ...a, ...labFlags];
      return { bundle: v.file, sha256: '', builtAt: new Date(), dir, start: start(v), argv, shown: () => '', cleanup: () => undefined };
    };
    const launch = async (v: Variant) => {
      const t = await launchAndWait(pane, lab, opsFor(v));
      await pane.idle();
      if (t.complete === null) throw new Error(`${v.name}: the grid was not complete after 30 s:\n${t.screen}`);
      return { painted: t.painted!, complete: t.complete };
    };
    for (const v of variants) await launch(v);
    for (let k = 0; k < LAUNCHES; k++) {
      const line: string[] = [];
      for (const v of rotate(variants, k)) {
        const t = await retrying(`${v.name} launch`, () => launch(v), log);
        put('launch', v, { wall: t.complete, cpu: NaN });
        put('paint', v, { wall: t.painted, cpu: NaN });
        line.push(`${v.name} ${fmt(t.complete)}`);
      }
      log(`  launch ${k + 1}/${LAUNCHES}: complete grid at ${line.join(' · ')} ms`);
    }
  } finally {
    pane.close();
  }
}

const wall = (t: string, n: Name): Spread => spread(results[t]![n].map((s) => s.wall));
const cpu = (t: string, n: Name): Spread => spread(results[t]![n].map((s) => s.cpu));
const ratio = (t: string, n: Name) => wall(t, n).median / wall(t, 'split').median;
const budgeted = ['logs', 'status', 'launch'] as const;
const pass = budgeted.every((t) => ratio(t, 'single') <= BUDGET);

const rowsFor = (t: string, title: string, withCpu: boolean): string[][] => [
  [`${title}: wall, median (min–max)`, ...variants.map((v) => fmtSpread(wall(t, v.name), ' ms'))],
  ...(withCpu ? [['  CPU (process + children)', ...variants.map((v) => fmtSpread(cpu(t, v.name), ' ms'))]] : []),
  ['  ratio of medians to split', ...variants.map((v) => (v.name === 'split' ? '1' : `${fmt(ratio(t, v.name), 3)}${v.name === 'single' && budgeted.includes(t as never) ? (ratio(t, v.name) <= BUDGET ? ' **met**' : ' **MISSED**') : ''}`))],
];
const table = markdownTable([
  ['', ...variants.map((v) => v.label)],
  ...rowsFor('logs', `\`logs --tail ${TAIL}\` (${RUNS} runs)`, true),
  ...rowsFor('status', `\`status --json\` (${RUNS} runs)`, true),
  ...rowsFor('launch', `grid launch to complete (${LAUNCHES} launches)`, false),
  ['  of which first paint', ...variants.map((v) => fmtSpread(wall('paint', v.name), ' ms'))],
  ...rowsFor('version', `\`--version\` (${RUNS} runs)`, true),
  ['size on disk', `${(sizes.split / 1024).toFixed(0)} KiB in ${sizes.splitFiles} files`, `${(sizes.single / 1024).toFixed(0)} KiB, 1 file (+ ${(packed.unpackedBytes / 1024).toFixed(0)} KiB unpacked in the cache)`, 'same file', `${(sizes.unsplit / 1024).toFixed(0)} KiB + ssh2's addon beside it`],
]);

const body = [
  `### Measured ${facts.date.replace(' UTC', '')} UTC: one file (warm) ≤ ${BUDGET}x the split bundle: **${pass ? 'met' : 'MISSED'}**`,
  '',
  `Measured ${factsLine(facts)}; ${values.quick ? 'quick run' : `${RUNS} rounds of the one-shot commands, ${LAUNCHES} launches`}, interleaved, the order rotating every round.`,
  '',
  'Commands (each variant as `./opsdeck.mjs` starts: node with the hashbang\'s options; HOME and XDG_CACHE_HOME set for each, a fresh empty XDG_CACHE_HOME for every cold run):',
  '',
  `- \`node ${shippedNodeFlags().join(' ')} opsdeck.mjs logs opsdeck-bench-install-flood-1 --tail ${TAIL} --host opsdeck-lab …\` (a lab container of ours with 20,000 JSON lines; 10,000 read and counted)`,
  '- `node … opsdeck.mjs status --json --host opsdeck-lab …` (exit 1: the lab\'s faults)',
  '- the TUI in a 160x50 tmux pane until the grid is complete (bench/grid/launch.ts)',
  '',
  table,
].join('\n');
console.log(body);
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ facts, sizes, results, pass }, null, 2));
if (!values.quick) updateReadme((text) => withBlock(text, 'install-figures', body, 'install'));
fs.rmSync(dir, { recursive: true, force: true });
process.exitCode = pass ? 0 : 1;
