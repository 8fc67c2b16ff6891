/**
 * A terminal program driven the way an operator sees it: a tmux pane of a set size, read back
 * with capture-pane. The session lives on a private tmux socket (-L) named for this process, so
 * it shares no server with anyone else's tmux, and close() ends only that session by name.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { processTree, readStat } from './proc.js';

const run = promisify(execFile);

export class TmuxPane {
  readonly socket: string;
  readonly session: string;
  #env: NodeJS.ProcessEnv;
  #open = false;

  constructor(name: string, env: NodeJS.ProcessEnv) {
    this.socket = `${name}-${process.pid}`;
    this.session = name;
    this.#env = env;
  }

  #tmux(...args: string[]): string[] {
    return ['-L', this.socket, ...args];
  }

  /** Start the session with an idle placeholder, so launching a program later costs no tmux start-up. */
  open(width: number, height: number): void {
    execFileSync('tmux', this.#tmux('new-session', '-d', '-s', this.session, '-x', String(width), '-y', String(height), 'sleep 86400'), { env: this.#env });
    execFileSync('tmux', this.#tmux('set-option', '-t', this.session, 'remain-on-exit', 'on'), { env: this.#env });
    this.#open = true;
  }

  /**
   * Replace whatever runs in the pane with `argv` (tmux sends the old program SIGHUP), returning
   * once tmux has started it. The command line is quoted for the pane's shell here.
   */
  async launch(argv: readonly string[]): Promise<void> {
    await run('tmux', this.#tmux('respawn-pane', '-k', '-t', this.session, argv.map(shellWord).join(' ')), { env: this.#env });
  }

  /**
   * Back to the idle placeholder. tmux hangs up the pane's terminal, which ends the program and
   * everything in its process group; this waits until every process of the old tree is gone
   * (and sends SIGTERM, by pid, to any that outlive 10 s: they were started here).
   */
  async idle(): Promise<void> {
    const root = this.panePid();
    const tree = root ? processTree(root).map((s) => [s.pid, s.start] as const) : [];
    await run('tmux', this.#tmux('respawn-pane', '-k', '-t', this.session, 'sleep 86400'), { env: this.#env });
    const alive = () => tree.filter(([pid, start]) => readStat(pid)?.start === start && readStat(pid)?.comm !== 'sleep');
    const deadline = Date.now() + 10_000;
    while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const [pid] of alive()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
  }

  async capture(): Promise<string> {
    const { stdout } = await run('tmux', this.#tmux('capture-pane', '-p', '-t', this.session), { env: this.#env, maxBuffer: 1 << 20 });
    return stdout;
  }

  /** The pid tmux started in the pane (the pane's shell, or the program if the shell exec'd it). */
  panePid(): number | null {
    try {
      const out = execFileSync('tmux', this.#tmux('display-message', '-p', '-t', this.session, '#{pane_pid} #{pane_dead}'), { env: this.#env, encoding: 'utf8' }).trim();
      const [pid, dead] = out.split(' ');
      return dead === '1' ? null : Number(pid);
    } catch {
      return null;
    }
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    try {
      execFileSync('tmux', this.#tmux('kill-session', '-t', this.session), { env: this.#env, stdio: 'ignore' });
    } catch {
      // already gone
    }
    // The server exits with its last session but leaves its socket file behind: it is ours.
    fs.rmSync(path.join(this.#env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }
}

/** One argv word for /bin/sh, single-quoted unless it is plainly safe. */
function shellWord(w: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

export interface PollResult {
  /** ms from `t0` to the capture that first satisfied the predicate (taken when capture-pane returned). */
  atMs: number;
  screen: string;
  captures: number;
}

/** Capture every `everyMs` until `done(screen)` holds; null on timeout (with the last screen). */
export async function pollPane(pane: TmuxPane, t0: number, done: (screen: string) => boolean, opts: { everyMs?: number; timeoutMs?: number } = {}): Promise<PollResult | { atMs: null; screen: string; captures: number }> {
  const every = opts.everyMs ?? 20;
  const deadline = t0 + (opts.timeoutMs ?? 30_000);
  let captures = 0;
  let screen = '';
  for (;;) {
    const started = performance.now();
    screen = await pane.capture();
    captures++;
    const at = performance.now();
    if (done(screen)) return { atMs: at - t0, screen, captures };
    if (at > deadline) return { atMs: null, screen, captures };
    const wait = every - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
