/**
 * The fleet view's budgets (issue 19), each side by side with its peer in one run, against the
 * lab's three servers (web-1, db-1, staging-1: each its own sshd and dockerd on loopback):
 *
 *   npm run bench:fleet                     # npm run bundle, then this file with full settings
 *   npx tsx bench/fleet.ts [--only launch,live] [--launches 7] [--reps 3] [--window 60]
 *                          [--quick] [--json FILE] [--bundle FILE]
 *
 * 1. launch: the complete fleet overview within 1.0 s (the grid of web-1 alone beside it);
 * 2. live, W s windows: exactly one TCP connection and one sshd session per server for the whole
 *    window; client CPU ≤ 1.5x the single-server grid's and ≤ 0.1x three `docker stats -a`
 *    streams'; peak resident memory < 150 MB.
 * Figures go to bench/README.md (its fleet blocks only) when the run used full settings
 * (≥ 5 launches, ≥ 3 live repetitions of 60 s windows); --quick never writes.
 * Exit 0 when every budget measured was met, 1 when one was missed, 2 on error.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { labDocker, requireLab } from '../test/lab/api.js';
import { factsLine, machineFacts, stageOpsdeck } from './grid/setup.js';
import { benchLaunch, CAPTURE_EVERY_MS, launchTable, type LaunchResult } from './fleet/launch.js';
import { benchLive, liveTable, type LiveResult } from './fleet/live.js';
import { containersPerServer, stageFleet } from './fleet/setup.js';
import { hasBlock, updateReadme, withBlock } from './lib/readme.js';

const INTRO = `## Fleet (issue 19): launch, connections, CPU and memory of the fleet view

\`npm run bench:fleet\` (\`npm run bundle && tsx bench/fleet.ts\`) measures issue 19's budgets
against the lab's three servers, web-1 (\`opsdeck-lab\`, sshd on 127.0.0.1:22022), db-1
(\`opsdeck-lab-db\`, :22026) and staging-1 (\`opsdeck-lab-staging\`, :22027), each its own sshd and
Docker Engine on loopback, saved as profiles in group \`shop\` (test/lab/api.ts
\`writeFleetProfiles\`). opsdeck runs from a copy of \`dist/opsdeck.mjs\` and its chunks in a
temporary directory with plain \`node\`, as \`opsdeck --group shop\`; its peers run in the same run,
interleaved: the single-server grid of web-1 as issue 4's benchmark runs it
(\`--host opsdeck-lab --socket …\`), and three \`docker -H ssh://ALIAS stats -a\` (one per server,
each in its own tmux pane, with the lab's ssh wrapper first in PATH; each fleet sshd sets
DOCKER_HOST for its sessions). Client CPU is utime + stime from \`/proc\` of each program's
process tree (with reaped children); connections are \`ss -tanp\` of opsdeck's processes every 2 s
and the sshd sessions of this client (bench/lib/sshd-sessions.ts); memory is VmHWM of the node
process at the end of each window. Options: \`--only launch,live\`, \`--launches N\` (default 7),
\`--reps N\` (default 3), \`--window S\` (default 60), \`--bundle FILE\` (never written here),
\`--quick\` (never written here), \`--json FILE\`. Exit status: 0 every budget met, 1 one missed,
2 error. The machine (2 cores) is shared with other engineers' tests and builds: the load average
is printed with each table.`;

/** The commit the bundle was built from, and whether the shipped sources differed from it. */
function sourceState(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname }).trim();
    const dirty = git('status', '--porcelain', '--', 'bin', 'src', 'screens', 'components').split('\n').filter(Boolean).length;
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ` (+ ${dirty} uncommitted source files in the working tree)` : ''}`;
  } catch {
    return 'commit unknown';
  }
}

/** A command in backticks, with a trailing "(note)" outside them. */
function commandLine(c: string): string {
  const m = /^(.*?) (\([^`]*\))$/.exec(c);
  return m ? `- \`${m[1]}\` ${m[2]}` : `- \`${c}\``;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'launch,live' },
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
  const launches = int(values.launches, 2, 7, 'launches');
  const reps = int(values.reps, 1, 3, 'reps');
  const windowSeconds = int(values.window, 10, 60, 'window');
  const only = new Set(values.only!.split(',').map((s) => s.trim()));
  for (const o of only) if (!['launch', 'live'].includes(o)) throw new Error(`--only: unknown benchmark ${o}`);

  const lab = await requireLab();
  const containers = (await labDocker(lab).listContainers({ all: true })).length;
  const facts = machineFacts(lab, containers);
  const ops = stageOpsdeck(lab, values.bundle);
  const source = sourceState();
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const blocks: { name: string; body: string; full: boolean }[] = [];
  const out: { launch?: LaunchResult; live?: LiveResult } = {};
  let pass = true;
  try {
    const fleet = stageFleet(lab, ops);
    const n = fleet.servers.length;
    const perServer = await containersPerServer(fleet);
    log(`fleet benchmarks: ${factsLine(facts)}`);
    log(`opsdeck bundle: ${values.bundle ?? 'dist/opsdeck.mjs'} built ${ops.builtAt.toISOString()}, sha256 ${ops.sha256.slice(0, 12)}…, ${source}`);
    log(`fleet: ${fleet.servers.map((s) => `${s.name} (${s.hostAlias}, :${s.port})`).join(', ')}; containers ${perServer}`);
    const header = (title: string, commands: string[]) =>
      [`### ${title}`, '', `Measured ${factsLine(facts)} (web-1's; containers per server: ${perServer}) · ${source}; bundle sha256 ${ops.sha256.slice(0, 12)}.`, '', 'Commands:', '', ...commands.map(commandLine), ''].join('\n');

    if (only.has('launch')) {
      log(`\n[1/2] launch to the complete fleet view (${n} servers) and to the grid of web-1, ${launches} launches each`);
      const r = await benchLaunch(lab, ops, fleet, launches, log);
      out.launch = r;
      pass &&= r.pass;
      const table = launchTable(r, n);
      log(`\n${table}\n`);
      blocks.push({
        name: 'fleet-launch',
        full: launches >= 5,
        body: `${header(`1. The complete fleet overview of ${n} servers within 1.0 s of launch (${r.launches} launches)`, r.commands)}\n${table}\n\nThe pane (160x50) is captured every ${CAPTURE_EVERY_MS} ms from the moment tmux is asked to start the program; a milestone's time is when the first capture showing it returned. "Complete" for the fleet: the title reads \`${n} servers · ${n} connected\` and every server's line shows \`connected\` and a figure (not \`—\`) under FAULTS, LOAD, MEM and DISK; for the grid: every service row of web-1 with its CPU figure (bench/grid).`,
      });
    }
    if (only.has('live')) {
      log(`\n[2/2] ${windowSeconds} s of the live fleet view vs the grid of web-1 vs ${n}x docker stats -a, ${reps} repetitions`);
      const r = await benchLive(lab, ops, fleet, { reps, windowSeconds }, log);
      out.live = r;
      const m = r.summary;
      pass &&= m.vsGrid.pass && m.vsDocker.pass && m.connections.pass && m.memory.pass;
      const table = liveTable(r, fleet.servers);
      log(`\n${table}\n`);
      blocks.push({
        name: 'fleet-live',
        full: reps >= 3 && windowSeconds === 60,
        body: `${header(`2. ${windowSeconds} s of the live fleet view: connections, client CPU against the grid of one server and ${n} \`docker stats -a\` streams, memory (${r.reps.length} repetitions)`, r.commands)}\n${table}\n\nEach repetition runs the three windows in a rotated order; each program runs until its screen is complete (docker stats: watched for 8 s) and 3 s more before its window opens. CPU comes from /proc in ticks of 10 ms: at 150–250 ms a minute, one tick either way moves the fleet ÷ grid ratio by about 0.07.`,
      });
    }
  } finally {
    ops.cleanup();
  }

  if (values.json) fs.writeFileSync(values.json, JSON.stringify({ facts, bundleSha256: ops.sha256, ...out }, null, 2) + '\n');
  const writable = blocks.filter((b) => b.full && !values.quick && !values.bundle);
  if (writable.length > 0) {
    updateReadme((text) => {
      let t = text;
      if (!hasBlock(t, 'fleet')) {
        // First time: every block in reading order; fleet-notes is written by hand, never here.
        t = withBlock(t, 'fleet', '');
        for (const name of ['fleet-intro', 'fleet-launch', 'fleet-live', 'fleet-notes']) t = withBlock(t, name, '_(not measured yet)_', 'fleet');
      }
      t = withBlock(t, 'fleet-intro', INTRO, 'fleet');
      for (const b of writable) t = withBlock(t, b.name, b.body, 'fleet');
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
    process.stderr.write(`bench/fleet: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(2);
  },
);
