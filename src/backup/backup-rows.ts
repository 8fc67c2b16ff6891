/**
 * Pure text for backups: the rows `opsdeck backup list` prints and the Backups screen shows,
 * and the one-line summaries of schedule, RPO and last test restore. Same words everywhere.
 */
import { formatBytes } from '../render/bytes.js';
import { formatAgo, formatDuration } from '../render/duration.js';
import type { BackupEntry, BackupListing, RpoState } from './listing.js';
import type { RunStatus } from './manifest.js';

export type Tone = 'ok' | 'warn' | 'error' | 'dim';

export interface BackupRow {
  id: string;
  database: string;
  age: string;
  size: string;
  verified: { text: string; tone: Tone };
  offsite: { text: string; tone: Tone };
  restoreTest: { text: string; tone: Tone };
}

export function verifiedCell(b: BackupEntry): { text: string; tone: Tone } {
  if (b.bytes === undefined) return { text: 'dump missing', tone: 'error' };
  if (!b.manifest) return { text: 'incomplete', tone: 'error' };
  if (b.lastVerify && !b.lastVerify.ok) return { text: 'FAILED', tone: 'error' };
  if (b.verified) return { text: b.lastVerify ? 'yes (again)' : 'yes', tone: 'ok' };
  return { text: 'no', tone: 'error' };
}

export function offsiteCell(b: BackupEntry, configured: boolean): { text: string; tone: Tone } {
  if (!b.offsite) return configured ? { text: 'not copied', tone: 'warn' } : { text: '—', tone: 'dim' };
  return b.offsite.ok ? { text: `ok (${b.offsite.compared})`, tone: 'ok' } : { text: 'FAILED', tone: 'error' };
}

export function restoreTestCell(b: BackupEntry, now: number): { text: string; tone: Tone } {
  const t = b.restoreTest;
  if (!t) return { text: '—', tone: 'dim' };
  return { text: `${t.ok ? 'passed' : 'FAILED'} ${formatAgo(Date.parse(t.checkedAt), now)}`, tone: t.ok ? 'ok' : 'error' };
}

export function backupRows(backups: readonly BackupEntry[], now: number, offsiteConfigured: boolean): BackupRow[] {
  return backups.map((b) => ({
    id: b.id,
    database: b.database,
    age: formatAgo(b.time, now),
    size: formatBytes(b.bytes),
    verified: verifiedCell(b),
    offsite: offsiteCell(b, offsiteConfigured),
    restoreTest: restoreTestCell(b, now),
  }));
}

export function rpoLine(r: RpoState | undefined): { text: string; tone: Tone } {
  if (!r) return { text: 'RPO: unknown', tone: 'dim' };
  if (!r.newestVerified) return { text: `RPO BREACHED: no verified backup (target ${r.targetHours} h)`, tone: 'error' };
  const age = formatDuration(r.ageMs);
  return r.breached
    ? { text: `RPO BREACHED: newest verified backup is ${age} old (target ${r.targetHours} h)`, tone: 'error' }
    : { text: `RPO ok: newest verified backup ${age} old (target ${r.targetHours} h)`, tone: 'ok' };
}

function runWords(r: RunStatus): string {
  if (r.exitCode === 0) return 'succeeded';
  if (r.exitCode === 1) return `succeeded with problems${r.failedStep ? ` (${r.failedStep}: ${r.message})` : ''}`;
  if (r.exitCode === 143) return 'was stopped';
  return `FAILED${r.failedStep ? ` at step ${r.failedStep}: ${r.message}` : r.message ? `: ${r.message}` : ''}`;
}

export function scheduleLine(l: BackupListing, now: number): { text: string; tone: Tone } {
  const last = l.lastSchedule;
  const lastText = last ? `last ran ${formatAgo(Date.parse(last.finishedAt), now)} and ${runWords(last)}` : 'has not run yet';
  if (!l.schedule.cron) return { text: `schedule: none${last ? `; the last scheduled run ${lastText.replace(/^last ran/, 'ran')}` : ''}`, tone: last && last.exitCode !== 0 ? 'error' : 'dim' };
  return { text: `schedule: ${l.schedule.cron}; ${lastText}`, tone: !last ? 'warn' : last.exitCode === 0 ? 'ok' : 'error' };
}

export function lastRunLine(l: BackupListing, now: number): { text: string; tone: Tone } | undefined {
  const r = l.lastRun;
  if (!r) return undefined;
  return { text: `last run (${r.trigger}) ${formatAgo(Date.parse(r.finishedAt), now)} ${runWords(r)}`, tone: r.exitCode === 0 ? 'ok' : r.exitCode === 1 ? 'warn' : 'error' };
}

export function restoreTestLine(l: BackupListing, now: number): { text: string; tone: Tone } {
  const t = l.lastRestoreTest;
  if (!t) return { text: 'test restore: never (opsdeck restore ID --scratch)', tone: 'warn' };
  return { text: `test restore: ${t.ok ? 'passed' : 'FAILED'} ${formatAgo(Date.parse(t.checkedAt), now)} (${t.id}, ${t.method})`, tone: t.ok ? 'ok' : 'error' };
}

/** Elapsed time as a clock: "0:07", "12:03", "1:02:03". */
export function formatClock(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** "12.3 MiB at 3.1 MiB/s", or just the size until a rate is known. */
export function formatTransfer(bytes: number, rateBps: number | undefined): string {
  return rateBps === undefined || !Number.isFinite(rateBps) ? formatBytes(bytes) : `${formatBytes(bytes)} at ${formatBytes(rateBps)}/s`;
}
