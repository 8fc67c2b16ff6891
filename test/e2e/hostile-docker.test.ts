/**
 * A broken or hostile Docker daemon (a stand-in socket, test/e2e/hostile-docker-server.ts) must
 * cost opsdeck one line of error, never a crash, a stack trace, a raw escape sequence or unbounded
 * memory. Each case runs the bundle in local mode for `status`, `status --json`, `logs` and the
 * grid on a pseudo-terminal, all at once, and measures each process's peak RSS from /proc.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { HOSTILE_CASES, startHostileDocker, type HostileDocker } from './hostile-docker-server.js';
import { childPidsOf } from './transport-helpers.js';
import { interactiveEnv, startOnPty } from '../support/pty-terminal.js';

const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
/** Peak resident memory allowed to any one opsdeck process, whatever the daemon sends. */
const RSS_BOUND_MB = 200;
const COLS = 120;
const ROWS = 40;
const STACK = /\n\s+at .+[(:]\d+/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  peakMb: number;
  /** Still running at the deadline (then ended by its pid). */
  cut: boolean;
}

/** VmHWM: the process's peak resident set so far, in MB (0 once it is gone). */
function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const childEnv = (home: string): NodeJS.ProcessEnv => interactiveEnv({ HOME: home, OPSDECK_CONFIG: join(home, 'none.json') });

/** Run a CLI command of the bundle; `deadlineMs` after its start it is ended (SIGKILL, by pid). */
async function runCli(args: string[], home: string, deadlineMs: number): Promise<Run> {
  const child = spawn(process.execPath, [...(shippedNodeFlags() as string[]), BUNDLE, ...args], { env: childEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let outBytes = 0;
  child.stdout.on('data', (d: Buffer) => {
    outBytes += d.length;
    // A never-ending log stream prints forever: keep the start, count the rest.
    if (stdout.length < 1024 * 1024) stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  let peakMb = 0;
  let cut = false;
  const poll = setInterval(() => (peakMb = Math.max(peakMb, peakRssMb(child.pid!))), 20);
  const timer = setTimeout(() => {
    cut = true;
    peakMb = Math.max(peakMb, peakRssMb(child.pid!));
    child.kill('SIGKILL');
  }, deadlineMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearInterval(poll);
  clearTimeout(timer);
  void outBytes;
  return { code, signal, stdout, stderr, peakMb, cut };
}

/** The grid on a pseudo-terminal for `showMs`, then q. Returns the screen and the raw output. */
async function runGrid(socketPath: string, home: string, showMs: number): Promise<Run & { screen: string }> {
  const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, '--local', '--socket', socketPath];
  const pty = startOnPty(argv, { cols: COLS, rows: ROWS, env: childEnv(home) });
  const child = pty.child;
  let peakMb = 0;
  const poll = setInterval(() => {
    for (const pid of childPidsOf(child.pid!)) peakMb = Math.max(peakMb, peakRssMb(pid));
  }, 50);
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  await sleep(showMs);
  const screen = (await pty.screen()).join('\n');
  child.stdin.write('q');
  let cut = false;
  const timer = setTimeout(() => {
    cut = true;
    for (const pid of childPidsOf(child.pid!)) process.kill(pid, 'SIGKILL');
  }, 10_000);
  const [code, signal] = await closed;
  clearInterval(poll);
  clearTimeout(timer);
  return { code, signal, stdout: pty.raw(), stderr: '', peakMb, cut, screen };
}

function expectOneLineError(what: string, r: Run): void {
  expect(r.signal, `${what}: ended by a signal`).toBeNull();
  expect(r.stderr, `${what}: a stack trace`).not.toMatch(STACK);
  expect(r.stderr, `${what}: a daemon's fault reported as ours`).not.toContain('internal error');
  expect(r.stderr, `${what}: raw control characters`).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  expect(r.stderr.trim().split('\n').length, `${what}: more than one line and a hint:\n${r.stderr}`).toBeLessThanOrEqual(2);
}

describe('a hostile Docker socket', () => {
  let docker: HostileDocker;
  let home: string;
  const figures: string[] = [];

  beforeAll(async () => {
    expect(existsSync(BUNDLE), 'npm run bundle first').toBe(true);
    docker = await startHostileDocker();
    home = mkdtempSync(join(tmpdir(), 'opsdeck-hostile-home-'));
  });
  afterAll(async () => {
    await docker?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    // The figures of the README's Reliability table.
    console.log(`hostile Docker answers: ${figures.length} cases x 4 runs\n${figures.join('\n')}`);
  });

  for (const c of HOSTILE_CASES) {
    it(`${c.name}: one line, no crash, bounded memory`, async () => {
      docker.setCase(c);
      const local = ['--local', '--socket', docker.socketPath];
      const [status, json, logs, grid] = await Promise.all([
        runCli(['status', ...local], home, 60_000),
        runCli(['status', '--json', ...local], home, 60_000),
        runCli(['logs', 'web', ...local], home, c.endless ? 8_000 : 60_000),
        runGrid(docker.socketPath, home, 5_000),
      ]);
      figures.push(`${c.name}: peak RSS status ${status.peakMb.toFixed(0)} MB, --json ${json.peakMb.toFixed(0)} MB, logs ${logs.peakMb.toFixed(0)} MB, grid ${grid.peakMb.toFixed(0)} MB`);

      for (const [what, r] of [['status', status], ['status --json', json], ['logs', logs]] as const) {
        if (!(c.endless && what === 'logs')) {
          expect(r.cut, `${what} did not finish within 60 s`).toBe(false);
          expectOneLineError(what, r);
        }
        expect(r.stdout, `${what}: raw escape sequences on stdout`).not.toContain('\u001b');
        expect(r.peakMb, `${what}: peak RSS`).toBeLessThan(RSS_BOUND_MB);
        expect(r.peakMb, `${what}: RSS was never measured`).toBeGreaterThan(0);
      }
      // What reads the spoiled answer fails with exit 2; the rest goes on (exit 0, or 1 for degraded).
      const readers = c.spoils === 'list' ? [status, json, logs] : c.spoils === 'logs' ? [logs] : [];
      for (const r of [status, json, logs]) {
        if (r.cut) continue;
        if (c.fails && readers.includes(r)) expect(r.code, r.stderr).toBe(2);
        else expect([0, 1], r.stderr).toContain(r.code);
      }
      if (json.stdout.trim()) expect(() => JSON.parse(json.stdout)).not.toThrow();

      expect(grid.cut, 'the grid did not quit on q').toBe(false);
      expect(grid.code, `the grid's exit code; its output:\n${grid.screen}`).toBe(0);
      expect(grid.stdout).not.toMatch(STACK);
      expect(grid.stdout, 'the window title was set by the daemon').not.toContain('pwned');
      expect(grid.peakMb, 'grid: peak RSS').toBeLessThan(RSS_BOUND_MB);
      expect(grid.peakMb, 'grid: RSS was never measured').toBeGreaterThan(0);
      // (A trickling list is still loading when the screen is read: its deadline is 30 s.)
      if (c.fails && c.spoils === 'list') expect(grid.screen, 'the grid shows the error').toMatch(/cannot read the containers: .*(malformed|server error)|loading containers/);
    }, 120_000);
  }
});
