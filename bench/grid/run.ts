/**
 * The service grid's budgets (issue 4), each measured side by side with its peer in one run,
 * against the lab's containers over SSH on loopback:
 *
 *   npm run bench:grid                      # npm run bundle, then this file with full settings
 *   npx tsx bench/grid/run.ts [--only status,launch,live] [--runs 9] [--launches 7]
 *                             [--reps 3] [--window 60] [--quick] [--json FILE]
 *                             [--bundle FILE]   (another build; default dist/opsdeck.mjs)
 *
 * opsdeck runs from a snapshot of dist/opsdeck.mjs with plain node, as an operator runs it.
 * Figures go to bench/README.md (its grid blocks only) when the run used full settings
 * (≥ 7 status rounds, ≥ 5 launches, ≥ 3 live repetitions of 60 s windows); --quick never writes.
 * Exit 0 when every budget measured was met, 1 when one was missed, 2 on error.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { labDocker, requireLab } from '../../test/lab/api.js';
import { hasBlock, updateReadme, withBlock } from '../lib/readme.js';
import { benchLaunch, launchTable, type LaunchResult } from './launch.js';
import { benchLive, liveTable, type LiveResult } from './live.js';
import { factsLine, machineFacts, stageOpsdeck } from './setup.js';
import { benchStatus, statusTable, type StatusResult } from './status.js';

const INTRO = `## Service grid (issue 4): \`opsdeck status\`, launch, and the live grid

\`npm run bench:grid\` (\`npm run bundle && tsx bench/grid/run.ts\`) measures issue 4's three budgets,
each side by side with the docker CLI in the same run, against the lab's containers over SSH on
loopback (the lab's sshd on 127.0.0.1:22022). The docker CLI runs as \`docker -H ssh://opsdeck-lab …\`
with the lab's ssh wrapper first in PATH (it adds the lab's ssh_config) and finds the lab's socket
through DOCKER_HOST in \`~deploy/.ssh/environment\`; opsdeck runs from a copy of \`dist/opsdeck.mjs\`
and its chunks in a temporary directory with plain \`node\` (no node_modules beside it, as on an operator's
machine), with \`--socket\` for the lab's socket. Options: \`--only status,launch,live\`, \`--runs N\`
(status rounds, default 9), \`--launches N\` (default 7), \`--reps N\` (live repetitions, default 3),
\`--window S\` (default 60), \`--bundle FILE\` (measure another build; never written here),
\`--quick\` (short, for development; never written here), \`--json FILE\`. Exit status: 0 every
budget met, 1 one missed, 2 error.

The machine (2 cores) is shared with other engineers' tests and builds, often at a load average
of 6–12: every pair is interleaved (alternating which side goes first), figures are median
(min–max), and the load average is printed with each table. Time-to-X figures for opsdeck are
mostly CPU-bound (Node start-up, SSH handshake, rendering), so they stretch with the load more
than the docker CLI's, whose times are mostly dockerd's one-second stats collection.`;

/** A command in backticks, with a trailing "(note)" outside them. */
function commandLine(c: string): string {
  const m = /^(.*?) (\([^`]*\))$/.exec(c);
  return m ? `- \`${m[1]}\` ${m[2]}` : `- \`${c}\``;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'status,launch,live' },
      runs: { type: 'string' },
      launches: { type: 'string' },
      reps: { type: 'string' },
      window: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      bundle: { type: 'string' },
    },
  });
  const int = (v: string | undefined, quick: number, full: number, name: string) => {
    const n = v === undefined ? (values.quick ? quick : full) : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
    return n;
  };
  const runs = int(values.runs, 3, 9, 'runs');
  const launches = int(values.launches, 2, 7, 'launches');
  const reps = int(values.reps, 1, 3, 'reps');
  const windowSeconds = int(values.window, 10, 60, 'window');
  const only = new Set(values.only!.split(',').map((s) => s.trim()));
  for (const o of only) if (!['status', 'launch', 'live'].includes(o)) throw new Error(`--only: unknown benchmark ${o}`);

  const lab = await requireLab();
  const containers = (await labDocker(lab).listContainers({ all: true })).length;
  const facts = machineFacts(lab, containers);
  const ops = stageOpsdeck(lab, values.bundle);
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`grid benchmarks: ${factsLine(facts)}`);
  log(`opsdeck bundle: ${values.bundle ?? 'dist/opsdeck.mjs'} built ${ops.builtAt.toISOString()}, sha256 ${ops.sha256.slice(0, 12)}…`);

  const blocks: { name: string; body: string; full: boolean }[] = [];
  const out: { status?: StatusResult; launch?: LaunchResult; live?: LiveResult } = {};
  let pass = true;
  const header = (title: string, commands: string[]) =>
    [`### ${title}`, '', `Measured ${factsLine(facts)}; bundle sha256 ${ops.sha256.slice(0, 12)}.`, '', 'Commands:', '', ...commands.map(commandLine), ''].join('\n');
  try {
    if (only.has('status')) {
      log(`\n[1/3] opsdeck status --json vs docker ps -a + docker stats --no-stream -a, ${runs} rounds`);
      const r = await benchStatus(lab, ops, runs, log);
      out.status = r;
      pass &&= r.pass;
      const table = statusTable(r);
      log(`\n${table}\n`);
      blocks.push({ name: 'grid-status', full: runs >= 7, body: `${header(`1. \`opsdeck status --json\`: wall time ≤ 0.25x \`docker ps -a\` + \`docker stats --no-stream -a\` (${r.runs} rounds)`, r.commands)}\n${table}` });
    }
    if (only.has('launch')) {
      log(`\n[2/3] TUI launch to a complete grid, ${launches} launches`);
      const r = await benchLaunch(lab, ops, launches, log);
      out.launch = r;
      pass &&= r.pass;
      const table = launchTable(r);
      log(`\n${table}\n`);
      blocks.push({
        name: 'grid-launch',
        full: launches >= 5,
        body: `${header(`2. The TUI shows a complete grid within 1.0 s of launch (${r.launches} launches)`, r.commands)}\n${table}\n\nThe pane (160x50) is captured every ${r.captureEveryMs} ms from the moment tmux is asked to start the program; a milestone's time is when the first capture showing it returned. "Complete": every service row of the lab (lab.json) under its project, and a CPU figure on every row whose containers are meant to keep running.`,
      });
    }
    if (only.has('live')) {
      log(`\n[3/3] ${windowSeconds} s of the live grid vs docker stats -a, ${reps} repetitions (+ idle baseline)`);
      const r = await benchLive(lab, ops, { reps, windowSeconds }, log);
      out.live = r;
      pass &&= r.summary.client.pass && r.summary.dockerd.pass && r.summary.memory.pass;
      const table = liveTable(r);
      log(`\n${table}\n`);
      blocks.push({ name: 'grid-live', full: reps >= 3 && windowSeconds === 60, body: `${header(`3. ${windowSeconds} s of the live grid vs \`docker stats -a\` (${r.reps.length} repetitions, each with an idle baseline window)`, r.commands)}\n${table}` });
    }
  } finally {
    ops.cleanup();
  }

  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ facts, bundleSha256: ops.sha256, ...out }, null, 2) + '\n');
  // Only figures of the repository's own bundle, from full runs, go into the README.
  const writable = blocks.filter((b) => b.full && !values.quick && !values.bundle);
  if (writable.length > 0) {
    updateReadme((text) => {
      let t = text;
      if (!hasBlock(t, 'grid')) {
        // First time: every block in reading order; grid-notes is written by hand, never here.
        t = withBlock(t, 'grid', '');
        for (const name of ['grid-intro', 'grid-status', 'grid-launch', 'grid-live', 'grid-notes']) t = withBlock(t, name, '_(not measured yet)_', 'grid');
      }
      t = withBlock(t, 'grid-intro', INTRO, 'grid');
      for (const b of writable) t = withBlock(t, b.name, b.body, 'grid');
      return t;
    });
    log(`bench/README.md: updated ${writable.map((b) => b.name).join(', ')}`);
  } else {
    log('bench/README.md not updated (quick or partial settings)');
  }
  log(pass ? 'all budgets measured here were met' : 'BUDGET MISSED: see the tables above');
  return pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench/grid: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(2);
  },
);
