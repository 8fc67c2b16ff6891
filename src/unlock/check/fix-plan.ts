/**
 * The changes `unlock check --write` would make, computed from CheckFacts before anything is
 * touched, so they can be shown line by line and confirmed:
 *  - DROPBEAR_OPTIONS gains what is missing of -I 60, -j, -k, -s and -p PORT (a port that is
 *    set is never changed: the profile follows the server there);
 *  - authorized_keys lines gain the forwarding restrictions they lack. command= is NOT added:
 *    it would take away the shell someone may rely on to debug a boot;
 *  - then update-initramfs -u, since the initramfs only has what was there when it was built.
 */
import { sanitise } from '../../text/sanitise.js';
import { quoteArg } from '../../transport/shell-quote.js';
import { missingRestrictions, parseAuthorizedKeys, restrictLine } from './authorized-keys.js';
import type { CheckFacts } from './check-facts.js';
import { dropbearOptionsOf } from './evaluate-check.js';
import { hardenedWords } from './dropbear-options.js';

export interface FileChange {
  path: string;
  /** The content the plan was made from (null: the file does not exist yet). */
  before: string | null;
  after: string;
  /** "-old" / "+new" lines with line numbers, for the confirmation. */
  diff: string[];
}

export type FixPlan =
  | { kind: 'changes'; files: FileChange[]; commands: string[][] }
  | { kind: 'nothing-to-do' }
  | { kind: 'cannot'; reason: string };

export const UPDATE_INITRAMFS = ['update-initramfs', '-u'];

/** A line diff for edits that replace lines in place or append them, which is all a plan does. */
export function lineDiff(before: string | null, after: string): string[] {
  const a = before === null ? [] : before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    // The lines are the server's text, printed for the confirmation: sanitised (the write uses before/after).
    const was = a[i];
    const now = b[i];
    if (was !== undefined) out.push(`-${i + 1}: ${sanitise(was)}`);
    if (now !== undefined) out.push(`+${i + 1}: ${sanitise(now)}`);
  }
  return out;
}

function withNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

export function planFix(facts: CheckFacts, port: number): FixPlan {
  if (facts.dpkg.status === 'not-installed') return { kind: 'cannot', reason: 'dropbear-initramfs is not installed: install it first (apt install dropbear-initramfs)' };
  if (!facts.configDir.exists) return { kind: 'cannot', reason: `${facts.configDir.path} does not exist` };
  if (facts.privileged === 'none') return { kind: 'cannot', reason: `${facts.user} is not root and cannot sudo -n: the files belong to root` };
  if (!facts.updateInitramfs) return { kind: 'cannot', reason: 'update-initramfs is not on the server: a change would never reach the initramfs' };
  const files: FileChange[] = [];

  // dropbear.conf
  const cfg = facts.config;
  if (cfg && cfg.read.status !== 'ok') return { kind: 'cannot', reason: `${cfg.path} cannot be read (${cfg.read.status})` };
  const opts = dropbearOptionsOf(facts);
  if (opts?.dynamic) return { kind: 'cannot', reason: `${cfg!.path}: DROPBEAR_OPTIONS uses shell expansions; edit it by hand` };
  const words = hardenedWords(opts?.words ?? [], port);
  const line = `DROPBEAR_OPTIONS=${quoteArg(words.join(' '))}`;
  if (!cfg) {
    const path = `${facts.configDir.path}/dropbear.conf`;
    const after = `${line}\n`;
    files.push({ path, before: null, after, diff: lineDiff(null, after) });
  } else if (cfg.read.status === 'ok' && words.length !== (opts?.words.length ?? 0)) {
    const before = cfg.read.text;
    const lines = before.replace(/\n$/, '').split('\n');
    if (opts?.line !== undefined) lines[opts.line - 1] = line;
    else lines.push(line);
    const after = withNewline(lines.join('\n'));
    files.push({ path: cfg.path, before, after, diff: lineDiff(before, after) });
  }

  // authorized_keys
  const ak = facts.authorizedKeys;
  if (ak.read.status === 'ok') {
    const before = ak.read.text;
    const lines = before.split('\n');
    let changed = false;
    for (const k of parseAuthorizedKeys(before).keys) {
      if (missingRestrictions(k).length === 0) continue;
      lines[k.line - 1] = restrictLine(lines[k.line - 1]!, k);
      changed = true;
    }
    if (changed) {
      const after = withNewline(lines.join('\n').replace(/\n+$/, ''));
      files.push({ path: ak.path, before, after, diff: lineDiff(before, after) });
    }
  } else if (ak.read.status === 'denied' || ak.read.status === 'error') {
    return { kind: 'cannot', reason: `${ak.path} cannot be read` };
  }

  if (files.length === 0) return { kind: 'nothing-to-do' };
  return { kind: 'changes', files, commands: [UPDATE_INITRAMFS] };
}
