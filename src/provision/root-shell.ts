/**
 * Running provision's commands as root: directly when the login user is root (the first run on a
 * fresh server), through `sudo -n` when it is the deploy user (every run after SSH hardening, when
 * root may no longer log in). The plan shows each command exactly as it will be sent.
 */
import { shellCommand } from '../transport/shell-quote.js';
import type { ExecOptions, ExecResult } from '../transport/exec-types.js';
import { sanitise } from '../text/sanitise.js';

export type Exec = (argv: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

export interface RootShell {
  /** The user this connection logged in as. */
  loginUser: string;
  via: 'root' | 'sudo';
  /** Run argv as root. */
  run(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** The argv really sent (with sudo -n when needed). */
  argvFor(argv: readonly string[]): string[];
}

export class NoRootError extends Error {}

export async function openRootShell(exec: Exec): Promise<RootShell> {
  const who = await exec(['id', '-un'], { timeoutMs: 30_000 });
  const uid = await exec(['id', '-u'], { timeoutMs: 30_000 });
  const loginUser = sanitise(who.stdout.trim());
  let via: RootShell['via'];
  if (uid.stdout.trim() === '0') via = 'root';
  else {
    const s = await exec(['sudo', '-n', 'true'], { timeoutMs: 30_000 }).catch(() => ({ code: 1, stdout: '', stderr: 'sudo failed' }) as ExecResult);
    if (s.code !== 0) throw new NoRootError(`${loginUser} cannot run commands as root without a password (sudo -n refused)`);
    via = 'sudo';
  }
  const argvFor = (argv: readonly string[]) => (via === 'root' ? [...argv] : ['sudo', '-n', '--', ...argv]);
  return { loginUser, via, argvFor, run: (argv, opts) => exec(argvFor(argv), { timeoutMs: 120_000, ...opts }) };
}

/** A command as the operator reads it in the plan. */
export function displayCommand(shell: Pick<RootShell, 'argvFor'>, argv: readonly string[]): string {
  return shellCommand(shell.argvFor(argv));
}

/** The last non-empty line of a command's stderr (or stdout), sanitised: what went wrong, in one line. */
export function lastLine(r: Pick<ExecResult, 'stdout' | 'stderr' | 'code'>): string {
  const pick = (t: string) => t.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  return sanitise(pick(r.stderr) ?? pick(r.stdout) ?? `exit ${r.code}`);
}
