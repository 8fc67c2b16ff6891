/**
 * Which runbooks there are: the shipped ones, then the operator's files, where a file whose id is
 * a shipped one's replaces it (a team adapts `restart-loop` to its stack without a fork). A bad
 * file is reported in one line and leaves the others usable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { profileStorePath, type ProfileStoreOptions } from '../config/profile-path.js';
import { UserError } from '../errors.js';
import { deployWithRollback } from './builtins/deploy-with-rollback.js';
import { diskFull } from './builtins/disk-full.js';
import { rebootAndUnlock } from './builtins/reboot-and-unlock.js';
import { restartLoop } from './builtins/restart-loop.js';
import { restoreLatestBackup } from './builtins/restore-latest-backup.js';
import { serviceUnhealthy } from './builtins/service-unhealthy.js';
import { parseRunbook } from './runbook-parse.js';
import { RunbookError, type Fault, type Runbook } from './runbook-types.js';

const BUILTINS: readonly string[] = [serviceUnhealthy, restartLoop, diskFull, deployWithRollback, restoreLatestBackup, rebootAndUnlock];
const MAX_FILE_BYTES = 256 * 1024;

export interface Catalogue {
  runbooks: Runbook[];
  /** One line per file that could not be used. */
  problems: string[];
}

/** Where runbook files are looked for: the config directory's runbooks/, then $OPSDECK_RUNBOOKS (colon-separated). */
export function runbookDirectories(opts: ProfileStoreOptions = {}): string[] {
  const env = opts.env ?? process.env;
  const dirs = [path.join(path.dirname(profileStorePath(opts)), 'runbooks')];
  for (const d of (env.OPSDECK_RUNBOOKS ?? '').split(':')) if (d !== '') dirs.push(path.resolve(d));
  return dirs;
}

export function builtinRunbooks(): Runbook[] {
  return BUILTINS.map((text) => {
    const id = /^runbook:\s*(\S+)/m.exec(text)?.[1] ?? 'unknown';
    return parseRunbook(text, `builtin:${id}`);
  });
}

/** Read and validate one file; throws RunbookError with its file:line. */
export function readRunbookFile(file: string): Runbook {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (err) {
    throw new RunbookError(file, 1, `cannot read it: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (size > MAX_FILE_BYTES) throw new RunbookError(file, 1, `too big (${size} bytes; a runbook is at most ${MAX_FILE_BYTES})`);
  return parseRunbook(fs.readFileSync(file, 'utf8'), file);
}

export function loadCatalogue(dirs: readonly string[]): Catalogue {
  const byId = new Map<string, Runbook>(builtinRunbooks().map((r) => [r.id, r]));
  const problems: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.md')).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        const r = readRunbookFile(path.join(dir, name));
        byId.set(r.id, r);
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
  }
  const runbooks = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  return { runbooks, problems };
}

/** A runbook by id, or by path when the name has a slash or ends in .md. */
export function findRunbook(name: string, dirs: readonly string[]): Runbook {
  if (name.includes('/') || name.endsWith('.md')) return readRunbookFile(name);
  const { runbooks, problems } = loadCatalogue(dirs);
  const found = runbooks.find((r) => r.id === name);
  if (found) return found;
  const bad = problems.find((p) => p.includes(`${name}.md:`));
  if (bad) throw new UserError(bad);
  throw new UserError(`no runbook '${name}'`, { hint: "See them with 'opsdeck runbook list'." });
}

/** The runbooks that answer a fault, those narrowed to this service first. */
export function runbooksFor(runbooks: readonly Runbook[], fault: Fault, service: { project: string | null; service: string }): Runbook[] {
  const full = service.project ? `${service.project}/${service.service}` : service.service;
  const score = (r: Runbook): number => {
    let best = -1;
    for (const rule of r.offerOn) {
      if (rule.fault !== fault) continue;
      if (rule.service === undefined) best = Math.max(best, 0);
      else if (rule.service === full || rule.service === service.service) best = 1;
    }
    return best;
  };
  return runbooks
    .map((r) => [r, score(r)] as const)
    .filter(([, s]) => s >= 0)
    .sort((a, b) => b[1] - a[1] || a[0].id.localeCompare(b[0].id))
    .map(([r]) => r);
}
