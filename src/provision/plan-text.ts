/**
 * A step report as plain lines: the CLI prints them, the TUI draws the same lines, so what the
 * operator approves is word for word what `--plan` shows.
 */
import { sanitise } from '../text/sanitise.js';
import type { ProvisionContext } from './step.js';
import { describeCommand, type StepReport, type StepStatus } from './run.js';

export const STATUS_WORD: Record<StepStatus, string> = {
  pending: 'waiting',
  checking: 'checking',
  asking: 'plan',
  applying: 'applying',
  applied: 'changed',
  'already-done': 'already done',
  proven: 'proven',
  skipped: 'skipped',
  declined: 'declined',
  planned: 'would change',
  failed: 'FAILED',
  refused: 'REFUSED',
  'not-reached': 'not reached',
};

/** Found lines, then (for a plan) the commands, the files written, notes and the rollback. */
export function planLines(ctx: Pick<ProvisionContext, 'shell'>, r: StepReport, opts: { withFound?: boolean } = {}): string[] {
  const c = r.check;
  if (!c) return [];
  const out: string[] = [];
  if (opts.withFound !== false) for (const f of c.found) out.push(`found: ${f}`);
  const showPlan = c.state === 'todo' && (r.status === 'asking' || r.status === 'planned');
  if (showPlan) {
    out.push(r.status === 'planned' ? 'would run:' : 'will run:');
    for (const cmd of c.commands) out.push(`  $ ${describeCommand(ctx, cmd)}`);
    for (const f of c.files ?? []) {
      out.push(`${f.path}:`);
      for (const l of f.text.replace(/\n$/, '').split('\n')) out.push(`  | ${sanitise(l)}`);
    }
    if (c.rollback?.length) out.push(`if the result cannot be proven: ${c.rollback.map((x) => describeCommand(ctx, x)).join('; ')}`);
  }
  for (const n of c.notes) out.push(`note: ${n}`);
  return out;
}
