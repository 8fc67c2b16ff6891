/**
 * Carry out a confirmed FixPlan on the server: each file is re-read first and left alone if it
 * changed since the plan was shown (someone else edited it), then written atomically: a
 * temporary file in the same directory, given the old file's mode and owner, renamed over it
 * (as root via sudo -n when needed; stdin carries the content, argv only the path). A write cut
 * off half-way (a dropped connection, a full disk) leaves the old file whole; `tee` would have
 * left half a dropbear.conf or authorized_keys for the next update-initramfs. Then
 * update-initramfs -u. Stops at the first failure and says how far it got.
 */
import { sanitise } from '../../text/sanitise.js';
import type { FixPlan } from './fix-plan.js';
import { makeRunner, type Exec } from './gather-facts.js';

export interface ApplyResult {
  ok: boolean;
  /** One line per step, already sanitised. */
  steps: string[];
}

const WRITE_ATOMIC = [
  'f=$1',
  't=$(mktemp -- "$f.opsdeck.XXXXXX") || exit 1',
  'if cat >"$t" && { if [ -e "$f" ]; then chmod --reference="$f" -- "$t" && chown --reference="$f" -- "$t"; else chmod 0644 -- "$t"; fi; } && mv -f -- "$t" "$f"; then exit 0; fi',
  'rm -f -- "$t"',
  'exit 1',
].join('\n');

/** The argv that replaces `path` on the server with stdin, atomically. */
export function atomicWriteArgv(path: string): string[] {
  return ['sh', '-c', WRITE_ATOMIC, 'opsdeck-write', path];
}

export async function applyFix(exec: Exec, plan: Extract<FixPlan, { kind: 'changes' }>): Promise<ApplyResult> {
  const { runner } = await makeRunner(exec);
  const steps: string[] = [];
  const fail = (line: string): ApplyResult => ({ ok: false, steps: [...steps, sanitise(line)] });
  if (runner.privileged === 'none') return fail('not root and sudo -n is not allowed: nothing was changed');
  for (const f of plan.files) {
    const now = await runner.read(f.path);
    const current = now.status === 'ok' ? now.text : now.status === 'missing' ? null : undefined;
    if (current === undefined) return fail(`${f.path}: cannot read it again (${now.status}); stopped before writing`);
    if (current !== f.before) return fail(`${f.path} changed since the check: stopped before writing; run the check again`);
    const w = await runner.asRoot(atomicWriteArgv(f.path), { stdin: f.after, timeoutMs: 20_000 });
    if (w.code !== 0) return fail(`writing ${f.path} failed: ${w.stderr.trim().split('\n').pop() ?? `exit status ${w.code}`}`);
    steps.push(sanitise(`wrote ${f.path} (${f.diff.filter((d) => d.startsWith('+')).length} line(s) changed)`));
  }
  for (const argv of plan.commands) {
    // update-initramfs compresses a whole image: tens of seconds on a small VPS.
    const r = await runner.asRoot(argv, { timeoutMs: 300_000 });
    if (r.code !== 0) return fail(`${argv.join(' ')} failed (exit status ${r.code}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
    steps.push(sanitise(`${argv.join(' ')}: done${r.stdout.trim() ? ` (${r.stdout.trim().split('\n').pop()})` : ''}`));
  }
  return { ok: true, steps };
}
