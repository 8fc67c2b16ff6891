/**
 * The wizard's engine, shared by the TUI and the CLI: check each step, show its plan, ask, apply,
 * verify, in order; stop at the first failure. Two rules are enforced here rather than trusted to
 * the steps: the deploy-login proof must have passed in this very run before any lockout step
 * may apply, and a failed proof stops the run with nothing after it changed.
 */
import { shellCommand } from '../transport/shell-quote.js';
import { sanitise } from '../text/sanitise.js';
import type { ExecOptions, ExecResult } from '../transport/exec-types.js';
import type { Command, ProvisionContext, Step, StepCheck, StepId } from './step.js';
import { runCommands } from './step.js';

export type StepStatus =
  | 'pending'
  | 'checking'
  /** Plan shown, waiting for the operator. */
  | 'asking'
  | 'applying'
  /** Changed and verified. */
  | 'applied'
  | 'already-done'
  /** The proof step passed. */
  | 'proven'
  | 'skipped'
  | 'declined'
  | 'planned'
  | 'failed'
  | 'refused'
  | 'not-reached';

export interface StepReport {
  id: StepId;
  title: string;
  lockout: boolean;
  status: StepStatus;
  check?: StepCheck;
  /** Results, failures, verification evidence. */
  lines: string[];
}

export type Answer = 'yes' | 'skip' | 'stop';

export interface RunOptions {
  planOnly: boolean;
  /** The plan is on screen: go on? (CLI --yes answers yes). */
  confirm(report: StepReport): Promise<Answer>;
  onReport(report: StepReport): void;
  /** Each command as it is sent, and its exit. */
  onCommand?(line: string, result?: { code: number | null }): void;
}

export interface RunOutcome {
  ok: boolean;
  /** Something on the server changed. */
  changed: boolean;
  stoppedAt: StepId | undefined;
  reason: string | undefined;
  reports: StepReport[];
}

/** The command line as it is sent (with sudo -n when not root), for plans and logs. */
export function describeCommand(ctx: Pick<ProvisionContext, 'shell'>, c: Command): string {
  // Sanitised for the screen only (what runs is the argv): paths in it came from the server.
  const line = sanitise(shellCommand(ctx.shell.argvFor(c.argv)));
  if (!c.stdin) return line;
  return c.stdin.kind === 'file' ? `${line}  < (the file below)` : `${line}  < (${c.stdin.describe})`;
}

/** ctx.run for a live run: resolves stdin (asking for secrets), sends, zeroes. */
export function commandRunner(ctx: ProvisionContext, exec: (argv: readonly string[], opts?: ExecOptions) => Promise<ExecResult>, onCommand?: RunOptions['onCommand']) {
  return async (c: Command, opts?: ExecOptions): Promise<ExecResult> => {
    const line = describeCommand(ctx, c);
    let stdin: Buffer | string | undefined;
    if (c.stdin?.kind === 'file') stdin = c.stdin.text;
    else if (c.stdin?.kind === 'secret') stdin = await c.stdin.bytes(ctx);
    onCommand?.(line);
    try {
      const r = await exec(ctx.shell.argvFor(c.argv), { timeoutMs: 600_000, ...opts, ...(stdin !== undefined ? { stdin } : {}) });
      onCommand?.(line, { code: r.code });
      return r;
    } finally {
      if (Buffer.isBuffer(stdin)) stdin.fill(0);
    }
  };
}

export async function runProvision(ctx: ProvisionContext, steps: readonly Step[], opts: RunOptions): Promise<RunOutcome> {
  const reports: StepReport[] = steps.map((s) => ({ id: s.id, title: s.title, lockout: s.lockout, status: 'pending', lines: [] }));
  let proven = false;
  let changed = false;
  const set = (i: number, patch: Partial<StepReport>) => {
    reports[i] = { ...reports[i]!, ...patch };
    opts.onReport(reports[i]!);
  };
  const stop = (i: number, status: StepStatus, reason: string, lines: string[] = []): RunOutcome => {
    set(i, { status, lines: [...reports[i]!.lines, ...lines] });
    for (let k = i + 1; k < reports.length; k++) set(k, { status: 'not-reached' });
    return { ok: false, changed, stoppedAt: steps[i]!.id, reason: sanitise(reason), reports };
  };

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    set(i, { status: 'checking' });
    let check: StepCheck;
    try {
      check = await step.check(ctx);
    } catch (err) {
      return stop(i, 'failed', `${step.title}: the check failed: ${(err as Error)?.message ?? String(err)}`);
    }
    set(i, { check });
    if (check.state === 'refused') return stop(i, 'refused', `${step.title}: ${check.found[check.found.length - 1] ?? 'cannot continue safely'}`);

    if (step.id === 'deploy-proof') {
      if (opts.planOnly) {
        set(i, { status: 'planned' });
        continue;
      }
      const v = await step.verify(ctx, check);
      if (!v.ok) {
        return stop(i, 'failed', `the deploy login does not work, so provision stopped before anything that could lock you out: ${v.lines.join('; ')}`, v.lines);
      }
      proven = true;
      set(i, { status: 'proven', lines: v.lines });
      continue;
    }
    if (check.state === 'skip') {
      set(i, { status: 'skipped' });
      continue;
    }
    if (check.state === 'done') {
      set(i, { status: 'already-done' });
      continue;
    }
    if (opts.planOnly) {
      set(i, { status: 'planned' });
      continue;
    }
    if (step.lockout && !proven) return stop(i, 'refused', `${step.title} could lock you out and the deploy login was not proven in this run`);
    set(i, { status: 'asking' });
    const answer = await opts.confirm(reports[i]!);
    if (answer === 'stop') return stop(i, 'declined', `stopped before ${step.title}`);
    if (answer === 'skip') {
      set(i, { status: 'declined' });
      continue;
    }
    set(i, { status: 'applying' });
    let applied;
    try {
      applied = step.apply ? await step.apply(ctx, check) : await runCommands(ctx, check.commands);
    } catch (err) {
      changed = true;
      return stop(i, 'failed', `${step.title}: ${(err as Error)?.message ?? String(err)}`);
    }
    changed = true;
    if (!applied.ok) return stop(i, 'failed', `${step.title}: ${applied.lines[applied.lines.length - 1] ?? 'failed'}`, applied.lines);
    const v = await step.verify(ctx, check);
    if (!v.ok) return stop(i, 'failed', `${step.title}: not as planned after applying: ${v.lines.join('; ')}`, [...applied.lines, ...v.lines]);
    set(i, { status: 'applied', lines: [...applied.lines, ...v.lines] });
  }
  return { ok: true, changed, stoppedAt: undefined, reason: undefined, reports };
}
