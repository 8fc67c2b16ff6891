/**
 * The runbook benchmark: `opsdeck runbook run` of twenty shell `check` steps
 * (bench/runbook-fixture/twenty-checks.md) against the same twenty commands typed as
 * `ssh HOST 'CMD'` one after another, side by side in one run against the lab. Budget: opsdeck's
 * wall time at most 0.25x the ssh loop's, on one TCP connection.
 *
 *   npx tsx bench/runbook.ts [--reps 5] [--no-mux] [--no-build] [--quick] [--json FILE]
 *
 * Sides, each timed from process start to exit, interleaved (the order rotates every repetition):
 *
 * - opsdeck: `node FLAGS opsdeck.mjs runbook run twenty-checks.md --host opsdeck-lab … --json`,
 *   a snapshot of dist/opsdeck.mjs and its chunks in a temporary directory, with the Node options
 *   of its hashbang. OPSDECK_CONFIG points into that directory, so transcripts never land in the
 *   user's runs. Its --json answer must say status done and twenty steps ok with exit 0.
 * - ssh: one bash script of twenty lines `ssh -F SSH_CONFIG opsdeck-lab 'CMD'`, what an operator
 *   pasting from a wiki runs (a new connection, key exchange and authentication per command).
 *   Every command must exit 0.
 * - ssh + ControlMaster (unless --no-mux): the same lines with `-o ControlMaster=auto
 *   -o ControlPath=… -o ControlPersist=60`, a fresh master each repetition, closed afterwards.
 *
 * The command text is read from the fixture with opsdeck's own parser, so both sides run the
 * same text. dist/opsdeck.mjs is rebuilt first (`npm run build && npm run bundle`) when a source
 * file is newer than it, unless --no-build.
 *
 * TCP connections to sshd: every 20 ms each side's process tree is walked, and the local ports of
 * its TCP sockets to 127.0.0.1:22022 (any state: SYN-SENT, ESTABLISHED, …) are collected from
 * /proc/PID/fd and /proc/net/tcp. sshd's log (LogLevel VERBOSE) is read too: the connections it
 * accepted from those ports during the side's run, and the sessions (exec channels) it started on
 * them. The lab's sshd is shared with other engineers' tests, so its log is matched by port.
 *
 * Where the time goes, measured in the same run (each repetition, once, outside the timed sides):
 * `node opsdeck.mjs --version` alone; and one ssh session that runs `bash -s` on the server with
 * each command timed ($EPOCHREALTIME) as sshd runs it for `ssh HOST 'CMD'` (`bash -c 'CMD'`) and
 * as sshd runs opsdeck's step (`bash -c 'timeout -k 5 N sh -s'` with the exact program opsdeck
 * sends on stdin: mktemp, the subshell, the captures file, cat and rm included). opsdeck's
 * transcript gives each step's time and the times of the run's first and last events; the
 * connection poll gives the moment its TCP connection appeared.
 *
 * Figures go to bench/README.md (its `runbook` block only) after a full run (≥ 5 repetitions,
 * not --quick). Exit 0 budget met, 1 missed (or opsdeck used more than one connection), 2 error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { requireLab, type LabInfo } from '../test/lab/api.js';
import { readRunbookFile } from '../src/runbook/catalogue.js';
import { shellProgram } from '../src/runbook/shell-step.js';
import type { Step } from '../src/runbook/runbook-types.js';
import { bundleFiles, copyBundle, shippedNodeFlags } from './lib/bundle-files.js';
import { processTree, socketInodes } from './lib/proc.js';
import { updateReadme, withBlock } from './lib/readme.js';
import { fmtSpread, markdownTable, spread, type Spread } from './lib/spread.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const FIXTURE = path.join(REPO, 'bench', 'runbook-fixture', 'twenty-checks.md');
const DIST = path.join(REPO, 'dist', 'opsdeck.mjs');
const BUDGET = 0.25;
const POLL_MS = 20;

// ---------------------------------------------------------------------------------------------
// Set-up: the bundle, the fixture, the scripts

function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mjs|cjs|js|json)$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'bin', 'components', 'screens', 'scripts']) walk(path.join(REPO, d));
  for (const f of ['package.json', 'package-lock.json']) newest = Math.max(newest, fs.statSync(path.join(REPO, f)).mtimeMs);
  return newest;
}

/** Rebuild dist/opsdeck.mjs when a source is newer. Others edit this checkout too: a failed build is retried after a pause. */
async function ensureBundle(log: (s: string) => void): Promise<void> {
  const stale = () => !fs.existsSync(DIST) || fs.statSync(DIST).mtimeMs < newestSource();
  if (!stale()) return;
  for (let attempt = 1; ; attempt++) {
    log(`dist/opsdeck.mjs is older than the sources: npm run build && npm run bundle (attempt ${attempt})`);
    const r = spawnSync('sh', ['-c', 'npm run --silent build && npm run --silent bundle'], { cwd: REPO, encoding: 'utf8' });
    if (r.status === 0) return;
    const why = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-5).join('\n  ');
    if (attempt >= 4) throw new Error(`the build failed ${attempt} times; last:\n  ${why}`);
    log(`  the build failed (someone may be mid-edit); again in 60 s:\n  ${why}`);
    await new Promise((r) => setTimeout(r, 60_000));
  }
}

interface Staged {
  dir: string;
  bundle: string;
  sha256: string;
  builtAt: Date;
  configPath: string;
  runsDir: string;
  nodeArgs: string[];
}

function stage(): Staged {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-bench-runbook-'));
  // The deploy user (sshd's side) reads nothing here, but ssh's ControlPath lives here too.
  fs.chmodSync(dir, 0o755);
  const bundle = path.join(dir, 'opsdeck.mjs');
  copyBundle(DIST, bundle);
  const hash = createHash('sha256');
  for (const f of bundleFiles(bundle)) hash.update(fs.readFileSync(f));
  const configPath = path.join(dir, 'config', 'config.json');
  return {
    dir,
    bundle,
    sha256: hash.digest('hex'),
    builtAt: fs.statSync(DIST).mtime,
    configPath,
    runsDir: path.join(path.dirname(configPath), 'runs'),
    nodeArgs: [...shippedNodeFlags(), bundle],
  };
}

function fixtureSteps(): Step[] {
  const rb = readRunbookFile(FIXTURE);
  const steps = rb.steps;
  for (const s of steps) {
    if (s.kind !== 'check' || s.body.type !== 'shell') throw new Error(`${FIXTURE}: step ${s.id} is not a shell check step`);
  }
  if (steps.length !== 20) throw new Error(`${FIXTURE}: expected 20 steps, found ${steps.length}`);
  return steps;
}

const script = (s: Step): string => (s.body.type === 'shell' ? s.body.script.trim() : '');

/** POSIX single quotes. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The operator's paste: one `ssh … HOST 'CMD'` per line, run by bash; after each, its exit status
 * and the clock ($EPOCHREALTIME, a builtin: no fork) are appended to `statusFile`.
 */
function sshScript(lab: LabInfo, steps: Step[], statusFile: string, sshOpts: string[]): string {
  const lines = ['#!/bin/bash', `printf 'begin %s\\n' $EPOCHREALTIME >> ${sq(statusFile)}`];
  for (const s of steps) {
    lines.push(`ssh -F ${lab.sshd.sshConfigPath}${sshOpts.map((o) => ` ${o}`).join('')} ${lab.sshd.hostAlias} ${sq(script(s))}`);
    lines.push(`printf '%s %s\\n' $? $EPOCHREALTIME >> ${sq(statusFile)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * For "where the time goes": one bash on the server runs each command as sshd would for
 * `ssh HOST 'CMD'` (`bash -c CMD`, bash being deploy's login shell) and as opsdeck's step does
 * (`bash -c 'timeout -k 5 N sh -s'` with opsdeck's own program on stdin), timing each.
 */
function floorScript(steps: Step[]): string {
  const lines: string[] = [];
  steps.forEach((s, i) => {
    if (s.body.type !== 'shell') return;
    const p = shellProgram(s.body, [], { timeoutMs: s.timeoutMs });
    const eof = `OPSDECK_BENCH_EOF_${i}_${p.boundary.slice(-8)}`;
    lines.push(`t0=$EPOCHREALTIME; bash -c ${sq(script(s))} >/dev/null 2>&1; r1=$?; t1=$EPOCHREALTIME`);
    lines.push(`bash -c ${sq(p.argv.map(sq).join(' '))} >/dev/null 2>&1 <<'${eof}'\n${p.stdin}${eof}`);
    lines.push(`r2=$?; t2=$EPOCHREALTIME; echo "${s.id} $r1 $r2 $t0 $t1 $t2"`);
  });
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** inode → local and remote port of every IPv4 TCP socket (the lab's sshd listens on 127.0.0.1 only). */
function tcp4(): Map<string, { localPort: number; remotePort: number }> {
  const out = new Map<string, { localPort: number; remotePort: number }>();
  for (const row of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = row.trim().split(/\s+/);
    if (f.length < 10 || f[9] === '0') continue;
    out.set(f[9]!, { localPort: parseInt(f[1]!.split(':')[1]!, 16), remotePort: parseInt(f[2]!.split(':')[1]!, 16) });
  }
  return out;
}

/**
 * Local ports of TCP sockets to sshd held by any process in the tree under `root`, polled.
 * Reading /proc/net/tcp costs ~4 ms of kernel time here (as much as a step of the runbook), so
 * it is read only when the tree holds a socket not yet placed: a socket found in it is
 * remembered; one that is not (a Unix socket, or a TCP socket not yet connected) is looked up
 * again at the next two polls, then left alone.
 */
class ConnectionWatch {
  readonly ports = new Set<number>();
  /** performance.now() when each port was first seen. */
  readonly firstSeen = new Map<number, number>();
  readonly #known = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly root: () => number | undefined,
    private readonly sshdPort: number,
  ) {}
  start(): void {
    this.poll();
    this.#timer = setInterval(() => this.poll(), POLL_MS);
  }
  stop(): void {
    clearInterval(this.#timer);
  }
  poll(): void {
    const pid = this.root();
    if (!pid) return;
    const unplaced: string[] = [];
    for (const p of processTree(pid)) {
      for (const ino of socketInodes(p.pid)) {
        const seen = this.#known.get(ino) ?? 0;
        if (seen >= 0 && seen < 3) unplaced.push(ino);
      }
    }
    if (unplaced.length === 0) return;
    const table = tcp4();
    for (const ino of unplaced) {
      const row = table.get(ino);
      if (row && row.remotePort === this.sshdPort) {
        if (!this.ports.has(row.localPort)) this.firstSeen.set(row.localPort, performance.now());
        this.ports.add(row.localPort);
        this.#known.set(ino, -1);
      } else this.#known.set(ino, (this.#known.get(ino) ?? 0) + 1);
    }
  }
}

interface SshdLogSlice {
  /** Ports sshd accepted a connection from in the window (every client of the lab). */
  accepted: number[];
  /** Sessions ("Starting session: command …") by client port. */
  sessions: Map<number, number>;
}

function sshdLogPath(lab: LabInfo): string {
  return path.join(lab.labDir, 'logs', 'sshd.log');
}

function logSize(lab: LabInfo): number {
  try {
    return fs.statSync(sshdLogPath(lab)).size;
  } catch {
    return 0;
  }
}

function readLogSince(lab: LabInfo, offset: number): SshdLogSlice {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(sshdLogPath(lab));
  } catch {
    return { accepted: [], sessions: new Map() };
  }
  // The lab may have restarted sshd (and its log) meanwhile: then read it all.
  const text = buf.subarray(buf.length >= offset ? offset : 0).toString('utf8');
  const accepted = [...text.matchAll(new RegExp(`Connection from 127\\.0\\.0\\.1 port (\\d+) on 127\\.0\\.0\\.1 port ${lab.sshd.port}`, 'g'))].map((m) => Number(m[1]));
  const sessions = new Map<number, number>();
  for (const m of text.matchAll(/Starting session: command for \S+ from 127\.0\.0\.1 port (\d+) id \d+/g)) {
    const port = Number(m[1]);
    sessions.set(port, (sessions.get(port) ?? 0) + 1);
  }
  return { accepted, sessions };
}

interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
  startedAt: number;
  /** Local ports of TCP connections to sshd seen in the process tree. */
  ports: number[];
  /** From process start to the first of them seen by the poll (up to POLL_MS late). */
  firstConnectionMs: number;
  /** Connections sshd's log shows accepted from those ports, and sessions on them. */
  logConnections: number;
  logSessions: number;
  /** Every connection sshd accepted meanwhile, anyone's. */
  logAllAccepted: number;
}

function timed(lab: LabInfo, argv: string[], env: NodeJS.ProcessEnv, keepStdout: boolean): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const offset = logSize(lab);
    let pid: number | undefined;
    const watch = new ConnectionWatch(() => pid, lab.sshd.port);
    const startedAt = Date.now();
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    pid = child.pid;
    watch.start();
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (keepStdout) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      watch.poll();
      watch.stop();
      // sshd writes its log lines as it accepts; give a late line a moment to land.
      setTimeout(() => {
        const log = readLogSince(lab, offset);
        const ours = new Set(watch.ports);
        resolve({
          ms,
          code,
          stdout,
          stderr,
          stdoutBytes,
          startedAt,
          ports: [...ours],
          firstConnectionMs: Math.min(...watch.firstSeen.values()) - t0,
          logConnections: log.accepted.filter((p) => ours.has(p)).length,
          logSessions: [...log.sessions].filter(([p]) => ours.has(p)).reduce((a, [, n]) => a + n, 0),
          logAllAccepted: log.accepted.length,
        });
      }, 100);
    });
  });
}

interface OpsdeckRun extends Timed {
  /** From process start to the run's `start` event (Node, the bundle, the SSH connection). */
  toStartMs: number;
  /** From the TCP connection first seen to the run's `start` event (SSH handshake and auth, Docker probe and ping). */
  connectMs: number;
  /** Sum of the steps' own times (step-start to step-end). */
  stepsMs: number;
  /** Each step's time, by step id. */
  stepMs: Map<string, number>;
  /** The run's `end` event to the process's exit. */
  afterEndMs: number;
  /** Between steps: the run's start to its end less the steps. */
  betweenMs: number;
}

interface TranscriptEvent {
  t: string;
  at: string;
  step?: string;
  ms?: number;
}

async function runOpsdeck(lab: LabInfo, ops: Staged, env: NodeJS.ProcessEnv): Promise<OpsdeckRun> {
  const argv = [process.execPath, ...ops.nodeArgs, 'runbook', 'run', FIXTURE, '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--json'];
  const r = await timed(lab, argv, env, true);
  let answer: { status?: string; transcript?: string; steps?: { step: string; status: string; code: number | null; ms: number }[] };
  try {
    answer = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as typeof answer;
  } catch {
    throw new Error(`opsdeck exited ${r.code} without a JSON answer; stderr: ${r.stderr.trim().slice(0, 600)}`);
  }
  const ok = answer.steps?.filter((s) => s.status === 'ok' && s.code === 0).length ?? 0;
  if (r.code !== 0 || answer.status !== 'done' || ok !== 20) {
    const bad = answer.steps?.find((s) => s.status !== 'ok');
    throw new Error(`opsdeck: exit ${r.code}, status ${answer.status}, ${ok} of 20 steps ok${bad ? ` (${bad.step}: ${bad.status})` : ''}; stderr: ${r.stderr.trim().slice(0, 600)}`);
  }
  if (!answer.transcript || path.dirname(answer.transcript) !== ops.runsDir) throw new Error(`opsdeck wrote its transcript to ${answer.transcript}, not under ${ops.runsDir}`);
  const events = fs
    .readFileSync(answer.transcript, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TranscriptEvent);
  const at = (e: TranscriptEvent | undefined) => (e ? Date.parse(e.at) : NaN);
  const start = events.find((e) => e.t === 'start');
  const end = events.find((e) => e.t === 'end');
  const stepMs = new Map<string, number>();
  for (const e of events) if (e.t === 'step-end' && e.step) stepMs.set(e.step, e.ms ?? NaN);
  const stepsMs = [...stepMs.values()].reduce((a, b) => a + b, 0);
  const exitAt = r.startedAt + r.ms;
  return {
    ...r,
    toStartMs: at(start) - r.startedAt,
    connectMs: at(start) - r.startedAt - r.firstConnectionMs,
    stepsMs,
    stepMs,
    afterEndMs: exitAt - at(end),
    betweenMs: at(end) - at(start) - stepsMs,
  };
}

interface SshRun extends Timed {
  ok: number;
  /** Each command's time, by step id (from the script's clock). */
  stepMs: Map<string, number>;
}

async function runSsh(lab: LabInfo, steps: Step[], dir: string, name: string, sshOpts: string[], env: NodeJS.ProcessEnv): Promise<SshRun> {
  const statusFile = path.join(dir, `${name}.status`);
  fs.rmSync(statusFile, { force: true });
  const file = path.join(dir, `${name}.sh`);
  fs.writeFileSync(file, sshScript(lab, steps, statusFile, sshOpts), { mode: 0o755 });
  const r = await timed(lab, ['/bin/bash', file], env, false);
  const lines = fs.existsSync(statusFile) ? fs.readFileSync(statusFile, 'utf8').trim().split('\n') : [];
  let prev = Number(lines[0]?.split(' ')[1]) * 1000;
  const stepMs = new Map<string, number>();
  let ok = 0;
  lines.slice(1).forEach((l, i) => {
    const [code, clock] = l.split(' ');
    const t = Number(clock) * 1000;
    stepMs.set(steps[i]!.id, t - prev);
    prev = t;
    if (code === '0') ok++;
  });
  if (r.code !== 0 || ok !== 20) throw new Error(`${name}: exit ${r.code}, ${ok} of 20 commands exited 0; stderr: ${r.stderr.trim().slice(0, 600)}`);
  return { ...r, ok, stepMs };
}

/** The commands' own cost on the server, as bash -c and inside opsdeck's wrapper: ms by step id. */
function floor(lab: LabInfo, steps: Step[]): { bare: Map<string, number>; wrapped: Map<string, number> } {
  const r = spawnSync('ssh', ['-F', lab.sshd.sshConfigPath, lab.sshd.hostAlias, 'bash -s'], { input: floorScript(steps), encoding: 'utf8', maxBuffer: 1 << 24 });
  const bare = new Map<string, number>();
  const wrapped = new Map<string, number>();
  for (const line of r.stdout.trim().split('\n')) {
    const [id, r1, r2, t0, t1, t2] = line.split(' ');
    if (!id || r1 !== '0' || r2 !== '0') throw new Error(`floor: ${line} (exit ${r.status}; ${r.stderr.trim().slice(0, 300)})`);
    bare.set(id, (Number(t1) - Number(t0)) * 1000);
    wrapped.set(id, (Number(t2) - Number(t1)) * 1000);
  }
  if (bare.size !== steps.length) throw new Error(`floor: ${bare.size} of ${steps.length} commands timed (exit ${r.status}; ${r.stderr.trim().slice(0, 300)})`);
  return { bare, wrapped };
}

function muxExit(lab: LabInfo, controlPath: string): void {
  spawnSync('ssh', ['-F', lab.sshd.sshConfigPath, '-o', `ControlPath=${controlPath}`, '-O', 'exit', lab.sshd.hostAlias], { stdio: 'ignore' });
}

async function retrying<T>(what: string, fn: () => Promise<T>, log: (s: string) => void, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      log(`  ${what} failed (${(err as Error).message.split('\n')[0]}); running it again in 5 s`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface Facts {
  date: string;
  nproc: number;
  cpu: string;
  memGiB: number;
  kernel: string;
  node: string;
  openssh: string;
  loadAvg: string;
}

function machineFacts(): Facts {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const ssh = spawnSync('ssh', ['-V'], { encoding: 'utf8' });
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    nproc: Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || os.availableParallelism(),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    openssh: `${ssh.stderr}${ssh.stdout}`.trim().split(',')[0] ?? '',
    loadAvg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

const ms = (s: Spread) => fmtSpread(s, ' ms');
const ratioText = (x: number) => x.toFixed(3);

interface Result {
  facts: Facts;
  reps: number;
  bundleSha256: string;
  commands: string[];
  opsdeck: OpsdeckRun[];
  ssh: SshRun[];
  mux: SshRun[];
  versionMs: number[];
  floors: { bare: Map<string, number>; wrapped: Map<string, number> }[];
  ratio: number;
  perRepRatios: number[];
  pass: boolean;
  oneConnection: boolean;
  loadAtEnd: string;
}

function tables(r: Result): { main: string; where: string; perStep: string } {
  const sp = (xs: number[]) => spread(xs);
  const mux = r.mux.length > 0;
  const head = ['', 'opsdeck runbook run (20 check steps)', "20 × ssh HOST 'cmd'", ...(mux ? ['20 × ssh, ControlMaster=auto'] : [])];
  const conns = (rs: Timed[]) => fmtSpread(sp(rs.map((x) => x.ports.length)));
  const logConns = (rs: Timed[]) => fmtSpread(sp(rs.map((x) => x.logConnections)));
  const sessions = (rs: Timed[]) => fmtSpread(sp(rs.map((x) => x.logSessions)));
  const sshMed = sp(r.ssh.map((x) => x.ms)).median;
  const muxRatios = r.mux.map((m, i) => m.ms / r.ssh[i]!.ms);
  const main = markdownTable([
    head,
    ['wall time, process start to exit, median (min–max)', `**${ms(sp(r.opsdeck.map((x) => x.ms)))}**`, ms(sp(r.ssh.map((x) => x.ms))), ...(mux ? [ms(sp(r.mux.map((x) => x.ms)))] : [])],
    ['per step / command, median of the run', ms(sp(r.opsdeck.map((x) => sp([...x.stepMs.values()]).median))), ms(sp(r.ssh.map((x) => sp([...x.stepMs.values()]).median))), ...(mux ? [ms(sp(r.mux.map((x) => sp([...x.stepMs.values()]).median)))] : [])],
    [
      `ratio to 20 × ssh, of medians (budget ≤ ${BUDGET})`,
      `**${ratioText(sp(r.opsdeck.map((x) => x.ms)).median / sshMed)}** ${r.pass ? 'met' : 'NOT met'}; per rep ${fmtSpread(sp(r.perRepRatios), '', 3)}`,
      '1',
      ...(mux ? [`${ratioText(sp(r.mux.map((x) => x.ms)).median / sshMed)}; per rep ${fmtSpread(sp(muxRatios), '', 3)}`] : []),
    ],
    ['TCP connections to sshd (process tree polled every 20 ms)', `**${conns(r.opsdeck)}**`, conns(r.ssh), ...(mux ? [conns(r.mux)] : [])],
    ['  the same in sshd\'s log (accepted from those ports)', logConns(r.opsdeck), logConns(r.ssh), ...(mux ? [logConns(r.mux)] : [])],
    ['  sessions sshd started on them (exec channels)', sessions(r.opsdeck), sessions(r.ssh), ...(mux ? [sessions(r.mux)] : [])],
    ['succeeded', `status done, 20 of 20 steps ok (exit 0), every rep`, '20 of 20 exited 0, every rep', ...(mux ? ['20 of 20 exited 0, every rep'] : [])],
  ]);
  const o = r.opsdeck;
  // The server-side figures come from a separate session, at another moment of a shared machine:
  // compared step by step as each step's median over the repetitions, then summed.
  const ids = r.commands.map((_, k) => `s${String(k + 1).padStart(2, '0')}`);
  const stepMedian = (get: (i: number) => number | undefined) => {
    const xs = r.opsdeck.map((_, i) => get(i)).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return xs.length ? spread(xs).median : NaN;
  };
  const medOpsdeck = ids.map((id) => stepMedian((i) => r.opsdeck[i]!.stepMs.get(id)));
  const medSsh = ids.map((id) => stepMedian((i) => r.ssh[i]?.stepMs.get(id)));
  const medBare = ids.map((id) => stepMedian((i) => r.floors[i]?.bare.get(id)));
  const medWrapped = ids.map((id) => stepMedian((i) => r.floors[i]?.wrapped.get(id)));
  const total = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
  const n0 = (x: number) => `${x.toFixed(0)} ms`;
  const where = markdownTable([
    ['opsdeck, where the wall time goes', 'median (min–max) of the reps'],
    ['process start → the run\'s first event', ms(sp(o.map((x) => x.toStartMs)))],
    [`  process start → its TCP connection to sshd seen (Node's start, the bundle's chunks, the runbook and ssh_config read; polled every ${POLL_MS} ms)`, ms(sp(o.map((x) => x.firstConnectionMs)))],
    ['    for comparison: `node opsdeck.mjs --version`, start to exit', ms(sp(r.versionMs))],
    ['  TCP connection → the run\'s first event (SSH handshake and auth, Docker probe and ping)', ms(sp(o.map((x) => x.connectMs)))],
    ['the 20 steps (sum of step-start → step-end)', ms(sp(o.map((x) => x.stepsMs)))],
    ['between steps (transcript writes, events)', ms(sp(o.map((x) => x.betweenMs)))],
    ['the run\'s last event → process exit (disconnect, exit)', ms(sp(o.map((x) => x.afterEndMs)))],
    ['**the 20 steps, taken apart** (each step\'s median over the reps, summed)', `${n0(total(medOpsdeck))}`],
    ['  the commands themselves on the server (`bash -c CMD` in one ssh session, as sshd runs `ssh HOST CMD`)', n0(total(medBare))],
    ["  opsdeck's wrapper on the server (`bash -c 'timeout -k 5 N sh -s'` with the step's program: timeout, sh, mktemp, the subshell, cat, rm), over the bare commands", n0(total(medWrapped) - total(medBare))],
    ['  the rest: per exec channel, open, program sent, output back, close, and the client\'s handling (20 of them)', n0(total(medOpsdeck) - total(medWrapped))],
    ["20 × ssh, for comparison: each command's median, summed; over the commands' own time (fork/exec ssh, TCP, key exchange, auth, session)", `${n0(total(medSsh))}; ${n0(total(medSsh) - total(medBare))} (${(( total(medSsh) - total(medBare)) / 20).toFixed(0)} ms a command)`],
  ]);
  const rows: string[][] = [['step', 'command', 'opsdeck step', 'ssh command', 'bare on server', 'wrapped on server']];
  r.commands.forEach((c, k) => {
    rows.push([ids[k]!, `\`${c.length > 60 ? `${c.slice(0, 57)}…` : c}\``.replace(/\|/g, '\\|'), medOpsdeck[k]!.toFixed(0), medSsh[k]!.toFixed(0), medBare[k]!.toFixed(0), medWrapped[k]!.toFixed(0)]);
  });
  rows.push(['sum', '', total(medOpsdeck).toFixed(0), total(medSsh).toFixed(0), total(medBare).toFixed(0), total(medWrapped).toFixed(0)]);
  return { main, where, perStep: markdownTable(rows) };
}

function readmeBlock(r: Result, t: ReturnType<typeof tables>, opsdeckShown: string, sshShown: string, muxShown: string): string {
  const f = r.facts;
  return [
    '## Runbook: 20 checks vs 20 ssh commands',
    '',
    "`npx tsx bench/runbook.ts [--reps 5] [--no-mux] [--no-build] [--quick] [--json FILE]`: `opsdeck runbook run` of a runbook of twenty",
    "shell `check` steps (`bench/runbook-fixture/twenty-checks.md`: uptime, load, memory, disks, sockets, `docker info/ps/inspect/logs/events/system df`, …)",
    "against the same twenty commands typed as `ssh HOST 'cmd'` one after another (a bash script of twenty lines, what an operator",
    'pasting from a wiki runs), side by side in one run against the lab (sshd on 127.0.0.1:22022 on this machine). Each side is',
    'timed from process start to exit; the order rotates every repetition; figures are median (min–max). opsdeck runs from a copy of',
    '`dist/opsdeck.mjs` with the Node options of its hashbang and `OPSDECK_CONFIG` in a temporary directory (its transcripts go there).',
    "Every step must succeed (`--json`: status done, 20 steps ok) and every ssh command exit 0. Connections are counted by polling",
    "each side's process tree for TCP sockets to :22022 every 20 ms, and checked against sshd's log. OpenSSH's ControlMaster",
    `(${r.mux.length ? 'third column' : 'not measured in this run: --no-mux'}) takes away what makes the loop slow: the twenty commands share one connection, each still a new ssh client`,
    'process and a session; an operator has it only where ssh_config sets it up. Exit status: 0 budget met, 1 missed, 2 error.',
    '',
    `Measured ${f.date} · ${f.nproc} CPUs (${f.cpu}), ${f.memGiB} GiB, Linux ${f.kernel} · node ${f.node} · ${f.openssh} · load average at start ${f.loadAvg} (at the end ${r.loadAtEnd}) · ${r.reps} repetitions · bundle sha256 ${r.bundleSha256.slice(0, 12)}.`,
    '',
    'Commands:',
    '',
    `- \`${opsdeckShown}\``,
    `- \`${sshShown}\` (twenty lines, one per step, in a bash script)`,
    ...(r.mux.length ? [`- \`${muxShown}\` (the same, a fresh master each repetition)`] : []),
    '',
    t.main,
    '',
    `**Budget: opsdeck ≤ ${BUDGET}× the wall time of the 20 ssh commands, on one TCP connection: ${r.pass && r.oneConnection ? 'met' : 'NOT met'}** (ratio ${ratioText(r.ratio)}; ${r.oneConnection ? 'one connection every rep' : 'MORE THAN ONE CONNECTION'}).`,
    '',
    t.where,
    '',
    '<details><summary>Per step, medians in ms</summary>',
    '',
    t.perStep,
    '',
    '</details>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string' },
      'no-mux': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const reps = values.reps === undefined ? (values.quick ? 2 : 5) : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a positive whole number');
  const log = (s: string) => process.stdout.write(`${s}\n`);

  const lab = await requireLab();
  if (!values['no-build']) await ensureBundle(log);
  const steps = fixtureSteps();
  const facts = machineFacts();
  const ops = stage();
  const useMux = !values['no-mux'];
  log(`runbook benchmark: ${facts.date} · ${facts.nproc} CPUs (${facts.cpu}) · load average at start ${facts.loadAvg}`);
  log(`opsdeck bundle: dist/opsdeck.mjs built ${ops.builtAt.toISOString()}, sha256 ${ops.sha256.slice(0, 12)}…; transcripts in ${ops.runsDir}`);
  const env: NodeJS.ProcessEnv = { ...process.env, OPSDECK_CONFIG: ops.configPath };
  const controlPath = path.join(ops.dir, 'cm-%C');
  const muxOpts = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${controlPath}`, '-o', 'ControlPersist=60'];
  try {
    // One untimed run of each (page cache, sshd's first fork, the docker CLI's first start).
    log('warming up (one untimed run of each side)');
    await retrying('opsdeck warm-up', () => runOpsdeck(lab, ops, env), log);
    await retrying('ssh warm-up', () => runSsh(lab, steps, ops.dir, 'ssh', [], env), log);

    const result: Result = {
      facts,
      reps,
      bundleSha256: ops.sha256,
      commands: steps.map(script),
      opsdeck: [],
      ssh: [],
      mux: [],
      versionMs: [],
      floors: [],
      ratio: NaN,
      perRepRatios: [],
      pass: false,
      oneConnection: false,
      loadAtEnd: '',
    };
    type SideName = 'opsdeck' | 'ssh' | 'mux';
    const sides: SideName[] = useMux ? ['opsdeck', 'ssh', 'mux'] : ['opsdeck', 'ssh'];
    for (let k = 0; k < reps; k++) {
      const order = sides.map((_, i) => sides[(i + k) % sides.length]!);
      const line: string[] = [];
      for (const side of order) {
        if (side === 'opsdeck') {
          const r = await retrying('opsdeck', () => runOpsdeck(lab, ops, env), log);
          result.opsdeck.push(r);
          line.push(`opsdeck ${r.ms.toFixed(0)} ms (${r.ports.length} conn)`);
        } else if (side === 'ssh') {
          const r = await retrying('ssh', () => runSsh(lab, steps, ops.dir, 'ssh', [], env), log);
          result.ssh.push(r);
          line.push(`ssh ${r.ms.toFixed(0)} ms (${r.ports.length} conn)`);
        } else {
          const r = await retrying(
            'ssh + ControlMaster',
            async () => {
              muxExit(lab, controlPath);
              try {
                return await runSsh(lab, steps, ops.dir, 'mux', muxOpts, env);
              } finally {
                muxExit(lab, controlPath);
              }
            },
            log,
          );
          result.mux.push(r);
          line.push(`ControlMaster ${r.ms.toFixed(0)} ms (${r.ports.length} conn)`);
        }
      }
      const v = await timed(lab, [process.execPath, ...ops.nodeArgs, '--version'], env, false);
      result.versionMs.push(v.ms);
      result.floors.push(floor(lab, steps));
      log(`rep ${k + 1}/${reps} [${order.join(', ')}]: ${line.join(' · ')} · load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
    }
    result.loadAtEnd = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    result.ratio = spread(result.opsdeck.map((x) => x.ms)).median / spread(result.ssh.map((x) => x.ms)).median;
    result.perRepRatios = result.opsdeck.map((o, i) => o.ms / result.ssh[i]!.ms);
    result.pass = result.ratio <= BUDGET;
    result.oneConnection = result.opsdeck.every((o) => o.ports.length === 1 && o.logConnections <= 1);

    const t = tables(result);
    const flags = `--host ${lab.sshd.hostAlias} --ssh-config ${lab.sshd.sshConfigPath} --socket ${lab.docker.socketPath}`;
    const opsdeckShown = `OPSDECK_CONFIG=$TMP/config.json node ${shippedNodeFlags().join(' ')} opsdeck.mjs runbook run bench/runbook-fixture/twenty-checks.md ${flags} --json`;
    const sshShown = `ssh -F ${lab.sshd.sshConfigPath} ${lab.sshd.hostAlias} 'CMD'`;
    const muxShown = `ssh -F ${lab.sshd.sshConfigPath} ${muxOpts.join(' ').replace(controlPath, '$TMP/cm-%C')} ${lab.sshd.hostAlias} 'CMD'`;
    const block = readmeBlock(result, t, opsdeckShown, sshShown, muxShown);
    log(`\n${block}\n`);
    log(`budget ≤ ${BUDGET}x on one connection: ${result.pass && result.oneConnection ? 'met' : 'NOT met'} (ratio ${ratioText(result.ratio)}, opsdeck connections per rep: ${result.opsdeck.map((o) => o.ports.length).join(', ')})`);

    if (values.json) {
      const plain = (m: Map<string, number>) => Object.fromEntries(m);
      const strip = (x: Timed) => ({ ms: x.ms, ports: x.ports, logConnections: x.logConnections, logSessions: x.logSessions, logAllAccepted: x.logAllAccepted, stdoutBytes: x.stdoutBytes });
      fs.writeFileSync(
        values.json,
        JSON.stringify(
          {
            ...result,
            opsdeck: result.opsdeck.map((o) => ({ ...strip(o), toStartMs: o.toStartMs, firstConnectionMs: o.firstConnectionMs, connectMs: o.connectMs, stepsMs: o.stepsMs, betweenMs: o.betweenMs, afterEndMs: o.afterEndMs, stepMs: plain(o.stepMs) })),
            ssh: result.ssh.map((s) => ({ ...strip(s), stepMs: plain(s.stepMs) })),
            mux: result.mux.map((s) => ({ ...strip(s), stepMs: plain(s.stepMs) })),
            floors: result.floors.map((f) => ({ bare: plain(f.bare), wrapped: plain(f.wrapped) })),
          },
          null,
          2,
        ) + '\n',
      );
    }
    if (reps >= 5 && !values.quick) {
      updateReadme((text) => withBlock(text, 'runbook', block));
      log('bench/README.md: updated the runbook block');
    } else {
      log('bench/README.md not updated (--quick or fewer than 5 repetitions)');
    }
    return result.pass && result.oneConnection ? 0 : 1;
  } finally {
    muxExit(lab, controlPath);
    fs.rmSync(ops.dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench/runbook: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(2);
  },
);
