/**
 * Steps as data. Each step checks the server (read-only), and from what it found plans the exact
 * commands (argv, run as root) that would bring it to the wanted state; applying runs those
 * commands and nothing else, then verify proves the result. A step whose check finds nothing to
 * do is "already done": that is what makes a second run change nothing, and what lets a run that
 * stopped half-way resume: the state of a half-finished run is derived from these checks on the
 * server, not kept in a file anywhere.
 */
import type { ExecOptions, ExecResult } from '../transport/exec-types.js';
import type { RequiredVar } from './env-file.js';
import type { OsVerdict } from './os-release.js';
import { lastLine, type RootShell } from './root-shell.js';
import type { ProvisionSettings } from './settings.js';
import type { SshdMode } from './sshd-service.js';

export type StepId = 'os' | 'deploy-user' | 'deploy-proof' | 'ssh' | 'firewall' | 'upgrades' | 'docker' | 'app';

export type StdinSpec =
  | { kind: 'file'; text: string }
  /** Bytes asked at apply time (a password, .env values); shown as a description only. */
  | { kind: 'secret'; describe: string; bytes: (ctx: ProvisionContext) => Promise<Buffer> };

export interface Command {
  argv: string[];
  stdin?: StdinSpec;
  /** A non-zero exit is an answer, not a failure (e.g. "is it there?"). */
  mayFail?: boolean;
}

export interface StepCheck {
  /** done: nothing to change; todo: commands planned; refused: cannot continue safely; skip: not asked for. */
  state: 'done' | 'todo' | 'refused' | 'skip';
  /** What the check found, one line each (sanitised). */
  found: string[];
  /** The plan: exact commands, in order. Empty unless todo. */
  commands: Command[];
  /** Warnings the operator must read before saying yes (root-equivalence, restarts). */
  notes: string[];
  /** What happens if the result cannot be proven (shown with the plan). */
  rollback?: Command[];
  /** Files written, with their full text, for the plan display. */
  files?: { path: string; text: string }[];
  /** Facts later parts of the same step need (not shown). */
  data?: Record<string, unknown>;
}

export interface StepOutcome {
  ok: boolean;
  lines: string[];
}

export interface ProvisionFacts {
  os?: OsVerdict;
  sshd?: SshdMode;
  sshPort?: number;
  systemd?: boolean;
}

export type ProofResult = { ok: true; detail: string } | { ok: false; reason: string };

export interface ProvisionContext {
  shell: RootShell;
  settings: ProvisionSettings;
  facts: ProvisionFacts;
  /** A second, brand-new SSH connection as the deploy user with the operator's key. */
  proveDeployLogin(): Promise<ProofResult>;
  /** Ask for a value (masked when secret); null = the operator declined. */
  askValue(v: RequiredVar & { secret: boolean }): Promise<Buffer | null>;
  /** Ask for a password to set (deploy's sudo password). */
  askPassword(prompt: string): Promise<Buffer | null>;
  /** A line of progress for the operator. */
  log(line: string): void;
  /** Run a planned command as root (stdin resolved); the runner logs it. */
  run(cmd: Command, opts?: ExecOptions): Promise<ExecResult>;
}

export interface Step {
  id: StepId;
  title: string;
  /** Could lock the operator out: only after the deploy login was proven in this run. */
  lockout: boolean;
  check(ctx: ProvisionContext): Promise<StepCheck>;
  /** Default: run the planned commands in order, stopping at the first failure. */
  apply?(ctx: ProvisionContext, check: StepCheck): Promise<StepOutcome>;
  verify(ctx: ProvisionContext, check: StepCheck): Promise<StepOutcome>;
}

export async function runCommands(ctx: ProvisionContext, cmds: readonly Command[]): Promise<StepOutcome> {
  const lines: string[] = [];
  for (const c of cmds) {
    const r = await ctx.run(c);
    if (r.code !== 0 && !c.mayFail) {
      lines.push(`${c.argv.join(' ')} failed: ${lastLine(r)}`);
      return { ok: false, lines };
    }
  }
  return { ok: true, lines };
}

/** An argv that writes `text` to `path` as root with the given mode (install reads the pipe). */
export function writeFileCommand(path: string, text: string, mode = '0644', owner = 'root', group = owner): Command {
  return { argv: ['install', '-D', '-m', mode, '-o', owner, '-g', group, '/dev/stdin', path], stdin: { kind: 'file', text } };
}

const NO_SYMLINKS = 'while [ "$1" != -- ]; do if [ -L "$1" ]; then printf "%s is a symbolic link: not followed as root\\n" "$1" >&2; exit 1; fi; shift; done; shift; exec "$@"';

/**
 * `argv`, run only if none of `paths` is a symbolic link, checked in the same process just
 * before: inside a directory the deploy user owns, a link to /etc/shadow or /root/.ssh would
 * make root read, chown or write that file instead. (The check already refuses such a link;
 * this keeps one created after the check from being followed.)
 */
export function unlessSymlink(paths: readonly string[], argv: readonly string[]): string[] {
  return ['sh', '-c', NO_SYMLINKS, 'no-symlinks', ...paths, '--', ...argv];
}

/** Read a file as root: its text, or null when it does not exist. */
export async function readFileAsRoot(shell: RootShell, path: string): Promise<string | null> {
  const r = await shell.run(['sh', '-c', 'if [ -e "$1" ]; then cat -- "$1"; else exit 3; fi', 'read', path]);
  if (r.code === 3) return null;
  if (r.code !== 0) throw new Error(`cannot read ${path}: ${lastLine(r)}`);
  return r.stdout;
}
