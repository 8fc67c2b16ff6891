/**
 * The two checks that belong to other features, called through their own APIs: the newest
 * verified backup against the profile's RPO (src/backup), and the remote-unlock setup
 * (src/unlock). Without a profile section for them they are "not configured", which is itself
 * worth a line: the seeds want daily off-server backups.
 */
import type { ConnectionFlags } from '../transport/connection-flags.js';
import { createBackupContext } from '../backup/backup-context.js';
import { readListing, rpoState } from '../backup/listing.js';
import { formatDuration } from '../render/duration.js';
import { sanitise } from '../text/sanitise.js';
import type { ServerConnection } from '../transport/connection.js';
import { runUnlockCheck } from '../unlock/check/run-check.js';
import { resolveUnlockEndpoint } from '../unlock/unlock-settings.js';
import type { AuditRow } from './audit-row.js';

export async function backupRow(conn: ServerConnection, now: number): Promise<AuditRow> {
  const base = { id: 'backup-rpo', group: 'Backups', title: 'newest verified backup' };
  const settings = conn.target.profile?.backup;
  if (!settings) return { ...base, status: 'warn', detail: 'not configured (no backup section in the profile)', evidence: [], fix: `Set up backups: opsdeck --host ${conn.target.label}, then the backup wizard; then opsdeck backup schedule.` };
  try {
    const ctx = await createBackupContext(conn, settings, conn.target.label, { now: () => now });
    const listing = await readListing(conn, ctx.settings);
    const rpo = rpoState(listing.backups, ctx.settings.rpoHours, now, ctx.settings.postgres.databases);
    const evidence = [{ command: `opsdeck backup list --host ${conn.target.label}`, output: rpo.newestVerified ? `${rpo.newestVerified.id} (${formatDuration(rpo.ageMs ?? 0)} old)` : 'no verified backup' }];
    if (rpo.breached) return { ...base, status: 'fail', detail: rpo.newestVerified ? `${formatDuration(rpo.ageMs ?? 0)} old, older than the RPO of ${rpo.targetHours} h` : `no verified backup (RPO ${rpo.targetHours} h)`, evidence, fix: `opsdeck backup run --host ${conn.target.label}; check the schedule (opsdeck backup list).` };
    return { ...base, status: 'pass', detail: `${formatDuration(rpo.ageMs ?? 0)} old, within the RPO of ${rpo.targetHours} h`, evidence };
  } catch (err) {
    return { ...base, status: 'warn', detail: `could not read the backups: ${sanitise((err as Error)?.message ?? String(err))}`, evidence: [] };
  }
}

export async function unlockRow(conn: ServerConnection, flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<AuditRow> {
  const base = { id: 'unlock', group: 'Unlock', title: 'remote LUKS unlock' };
  if (!conn.target.profile?.unlock || conn.target.kind !== 'ssh') return { ...base, status: 'info', detail: 'not configured (no unlock section in the profile; only needed with full-disk encryption)', evidence: [] };
  try {
    const endpoint = await resolveUnlockEndpoint(conn.target, flags, env);
    const { report } = await runUnlockCheck(conn, conn.target.label, endpoint);
    const bad = report.items.filter((i) => i.status === 'fail');
    const warn = report.items.filter((i) => i.status === 'warn');
    const evidence = [{ command: `opsdeck unlock check --host ${conn.target.label}`, output: report.items.map((i) => `${i.status} ${i.title}: ${i.detail}`).join('\n') }];
    if (bad.length) return { ...base, status: 'fail', detail: bad.map((i) => `${i.title}: ${i.detail}`).join('; '), evidence, fix: `opsdeck unlock check --host ${conn.target.label} --write` };
    return { ...base, status: warn.length ? 'warn' : 'pass', detail: warn.length ? warn.map((i) => `${i.title}: ${i.detail}`).join('; ') : 'ready for the next reboot', evidence };
  } catch (err) {
    return { ...base, status: 'warn', detail: `could not check: ${sanitise((err as Error)?.message ?? String(err))}`, evidence: [] };
  }
}
