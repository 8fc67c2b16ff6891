/**
 * One backup run, live: the generated script streamed to the server, its events turned into an
 * outcome. Also the script's other modes (verify one backup, prune), which share the runner.
 */
import { STAMP_RE } from './backup-id.js';
import type { BackupContext } from './backup-context.js';
import { scriptFor } from './backup-context.js';
import { allSteps, backupPipeline } from './pipeline.js';
import type { ScriptEvent } from './script-events.js';
import { runScript, type ScriptRunResult } from './script-runner.js';

export type RunStatusKind = 'ok' | 'degraded' | 'failed' | 'cancelled';

export interface BackupRunOutcome {
  status: RunStatusKind;
  /** For cron and monitoring: 0 ok, 1 backed up but off-site copy or pruning failed, 2 failed. */
  exitCode: 0 | 1 | 2;
  backups: { id: string; bytes: number; sha256: string }[];
  warnings: string[];
  offsite: { id: string; compared: string }[];
  pruned: string[];
  failedStep: string | undefined;
  /** One line: which step failed, what it does, why. */
  message: string | undefined;
  stderr: string[];
  durationMs: number;
}

export interface RunOptions {
  onEvent?: (e: ScriptEvent) => void;
  signal?: AbortSignal;
  /** Date the backup as if it ran then (YYYYMMDDTHHMMSSZ): tests inject dates instead of waiting. */
  stamp?: string;
  /** More script options: --only DB, --no-prune, --safety (the safety backup before a restore). */
  extraArgs?: readonly string[];
}

export function stepTitle(ctx: BackupContext, step: string): string | undefined {
  return allSteps(backupPipeline(ctx.settings)).find((s) => s.id === step)?.title;
}

/** "step 'dump' (dump the database and encrypt it on the server) failed: pg_dump | gpg failed: <tool's last words>" */
export function failureLine(ctx: BackupContext, r: ScriptRunResult): { step: string | undefined; message: string } {
  const fail = [...r.events].reverse().find((e) => e.kind === 'fail');
  if (r.cancelled) return { step: fail?.kind === 'fail' ? fail.step : undefined, message: 'cancelled; the server stopped the run and removed its partial files' };
  if (r.lost) return { step: undefined, message: `${r.lost}; the server stops the run and removes its partial files when the connection ends` };
  if (!fail || fail.kind !== 'fail') {
    const why = r.stderr.at(-1);
    return { step: undefined, message: `the backup script exited with status ${r.code ?? 'unknown'}${why ? `: ${why}` : ''}` };
  }
  const title = stepTitle(ctx, fail.step);
  // The tool's own words (pg_dump: error: …) say more than our summary; skip our own echo of it.
  const detail = r.stderr.filter((l) => !l.startsWith('opsdeck-backup:')).slice(-2).join(' / ');
  const why = explain(r.stderr, ctx);
  return { step: fail.step, message: `step '${fail.step}'${title ? ` (${title})` : ''} failed: ${fail.message}${why ? ` (${why})` : ''}${detail ? `: ${detail}` : ''}` };
}

/** gpg and docker say some things in ways an operator should not have to decode. */
export function explain(stderr: readonly string[], ctx: BackupContext): string | undefined {
  const text = stderr.join('\n');
  const pass = ctx.settings.encryption.mode === 'passphrase-file' ? ctx.settings.encryption.passphraseFile : 'the passphrase file';
  if (/Bad session key|decryption failed: (Bad|No) (session )?key|bad passphrase/i.test(text)) return `wrong passphrase: ${pass} does not decrypt this backup`;
  if (/encrypted message has been manipulated|invalid packet|CRC error|unexpected EOF|packet\(s\) with bad/i.test(text)) return 'the encrypted file is damaged';
  if (/permission denied.*docker\.sock/i.test(text)) return 'the backup user may not use the Docker socket';
  if (/No space left on device/i.test(text)) return 'the disk is full';
  if (/mkdir: cannot create directory .*Permission denied|chmod: changing permissions of .*Operation not permitted/i.test(text)) {
    return `the backup user cannot create or own ${ctx.settings.directory}; create it once as root: sudo install -d -m 700 -o USER ${ctx.settings.directory}`;
  }
  return undefined;
}

export async function runBackup(ctx: BackupContext, opts: RunOptions = {}): Promise<BackupRunOutcome> {
  if (opts.stamp !== undefined && !STAMP_RE.test(opts.stamp)) throw new Error(`not a stamp: ${opts.stamp}`);
  const t0 = ctx.now();
  const r = await runScript(ctx.conn, scriptFor(ctx), {
    args: ['--progress', ...(opts.stamp ? ['--stamp', opts.stamp] : []), ...(opts.extraArgs ?? [])],
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const backups = r.events.flatMap((e) => (e.kind === 'backup' ? [{ id: e.id, bytes: e.bytes, sha256: e.sha256 }] : []));
  const warnings = r.events.flatMap((e) => (e.kind === 'warn' ? [e.message] : []));
  const offsite = r.events.flatMap((e) => (e.kind === 'offsite' ? [{ id: e.id, compared: e.compared }] : []));
  const pruned = r.events.flatMap((e) => (e.kind === 'prune' && !e.dryRun ? [e.id] : []));
  const base = { backups, warnings, offsite, pruned, stderr: r.stderr, durationMs: ctx.now() - t0 };
  if (r.code === 0) return { ...base, status: 'ok', exitCode: 0, failedStep: undefined, message: undefined };
  if (r.code === 1 && backups.length > 0) {
    const f = failureLine(ctx, r);
    return { ...base, status: 'degraded', exitCode: 1, failedStep: f.step, message: f.message };
  }
  const f = failureLine(ctx, r);
  return { ...base, status: r.cancelled ? 'cancelled' : 'failed', exitCode: 2, failedStep: f.step, message: f.message };
}

export interface VerifyOutcome {
  id: string;
  ok: boolean;
  /** The check could not run at all (no container, lock held): exit 2 rather than 1. */
  couldNotRun: boolean;
  message: string | undefined;
  tocEntries: number | undefined;
}

export async function verifyBackup(ctx: BackupContext, id: string, opts: { signal?: AbortSignal } = {}): Promise<VerifyOutcome> {
  const r = await runScript(ctx.conn, scriptFor(ctx), { args: ['--verify', id], ...(opts.signal ? { signal: opts.signal } : {}) });
  if (r.code === 0) return { id, ok: true, couldNotRun: false, message: undefined, tocEntries: undefined };
  const f = failureLine(ctx, r);
  return { id, ok: false, couldNotRun: r.code !== 1, message: f.message, tocEntries: undefined };
}

export interface PruneOutcome {
  ok: boolean;
  dryRun: boolean;
  kept: { id: string; reasons: string[] }[];
  pruned: string[];
  message: string | undefined;
}

export async function pruneBackups(ctx: BackupContext, opts: { dryRun?: boolean } = {}): Promise<PruneOutcome> {
  const r = await runScript(ctx.conn, scriptFor(ctx), { args: ['--prune-only', ...(opts.dryRun ? ['--dry-run'] : [])] });
  const kept = r.events.flatMap((e) => (e.kind === 'keep' ? [{ id: e.id, reasons: e.reasons }] : []));
  const pruned = r.events.flatMap((e) => (e.kind === 'prune' ? [e.id] : []));
  return { ok: r.code === 0, dryRun: opts.dryRun === true, kept, pruned, message: r.code === 0 ? undefined : failureLine(ctx, r).message };
}
