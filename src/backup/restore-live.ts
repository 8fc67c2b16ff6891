/**
 * Restore over the live database. Only with the database name typed back; the backup is
 * verified first; a safety backup of the live database is taken (and must verify) before
 * anything changes; the services that use the database are stopped, pg_restore runs --clean in
 * one transaction (a failure leaves the database as it was), the services are started again and
 * watched until healthy. A failure says so and names the safety backup to go back to.
 */
import type { BackupContext } from './backup-context.js';
import { BackupError } from './backup-error.js';
import { runBackup, type BackupRunOutcome } from './backup-run.js';
import { findDependents, startContainers, stopContainers, waitHealthy, type DependentContainer, type HealthVerdict } from './dependent-services.js';
import { findPostgresContainer } from './detect.js';
import { prepareRestoreSource, type RestoreSourceStep } from './restore-source.js';
import { restoreScript } from './restore-script.js';
import { runScript } from './script-runner.js';
import { lastLine } from './server-files.js';
import { sanitise } from '../text/sanitise.js';

export type LiveRestoreStep = RestoreSourceStep | 'safety-backup' | 'stop-services' | 'sessions' | 'restore' | 'start-services' | 'health';

export interface LiveRestoreOptions {
  /** The database name, typed by the operator: must equal the backup's database. */
  confirm: string;
  onStep?: (step: LiveRestoreStep, detail?: string) => void;
}

export interface LiveRestoreOutcome {
  ok: boolean;
  id: string;
  database: string;
  safetyBackupId: string | undefined;
  stopped: string[];
  health: HealthVerdict[];
  /** Services that did not come back (not started, or not healthy in time). */
  unhealthy: string[];
  message: string;
  /** How to go back to the state before the restore. */
  rollback: string | undefined;
}

export function rollbackCommand(label: string, safetyId: string, db: string): string {
  return `opsdeck restore ${safetyId} --host ${label} --live --confirm ${db}`;
}

export async function liveRestore(ctx: BackupContext, id: string, opts: LiveRestoreOptions): Promise<LiveRestoreOutcome> {
  const step = opts.onStep ?? (() => undefined);
  const db = id.replace(/-\d{8}T\d{6}Z$/, '');
  if (opts.confirm !== db) {
    throw new BackupError(`restoring ${id} over the live database needs its name typed exactly: expected '${db}', got '${opts.confirm}'`, {
      hint: `Run it with --confirm ${db}.`,
    });
  }
  if (!ctx.settings.postgres.databases.includes(db)) throw new BackupError(`${db} is not one of the databases in this profile's backup settings`);
  const entry = await prepareRestoreSource(ctx, id, step);
  const s = ctx.settings;

  step('safety-backup');
  const safety = await safetyBackup(ctx, db);
  if (safety.status !== 'ok' && safety.status !== 'degraded') {
    throw new BackupError(`the safety backup of ${db} failed, so nothing was restored: ${safety.message ?? 'unknown reason'}`);
  }
  const safetyId = safety.backups[0]?.id;
  if (!safetyId) throw new BackupError(`the safety backup of ${db} reported no backup, so nothing was restored`);
  const rollback = rollbackCommand(ctx.label, safetyId, db);

  const live = await findPostgresContainer(ctx.conn.docker, s.postgres);
  const dependents: DependentContainer[] = await findDependents(ctx.conn.docker, { service: s.postgres.service, project: s.postgres.project, container: live.container }, s.restore.stopServices);
  step('stop-services', dependents.map((d) => d.name).join(', '));
  await stopContainers(ctx.conn.docker, dependents);
  let restoreError: string | undefined;
  let unchanged = false;
  try {
    step('sessions', db);
    const others = await waitForOtherSessions(ctx, live.id, db, s.restore.sessionWaitSeconds * 1000);
    if (others.length) {
      unchanged = true;
      restoreError = `${others.length} other session${others.length === 1 ? '' : 's'} still use${others.length === 1 ? 's' : ''} ${db} (${others.join(', ')}) after ${s.restore.sessionWaitSeconds} s; stop ${others.length === 1 ? 'it' : 'them'}, or add the service to backup.restore.stopServices`;
    } else {
      step('restore', entry.id);
      const r = await runScript(ctx.conn, restoreScript(s, { file: `${s.directory}/${id}.dump.gpg`, container: live.id, database: db, clean: true }));
      if (r.code !== 0) restoreError = r.stderr.slice(-3).join(' / ') || `pg_restore exited ${r.code ?? r.lost ?? 'unknown'}`;
    }
  } finally {
    step('start-services', dependents.map((d) => d.name).join(', '));
    const notStarted = await startContainers(ctx.conn.docker, dependents);
    if (notStarted.length && !restoreError) restoreError = `could not start ${notStarted.join(', ')}`;
  }
  step('health');
  const health = await waitHealthy(ctx.conn.docker, dependents, s.restore.healthTimeoutSeconds * 1000);
  const unhealthy = health.filter((h) => h.state !== 'healthy' && h.state !== 'running').map((h) => `${h.name} (${h.state})`);
  const stopped = dependents.filter((d) => d.wasRunning).map((d) => d.name);
  if (restoreError) {
    return {
      ok: false, id, database: db, safetyBackupId: safetyId, stopped, health, unhealthy,
      message: unchanged
        ? `restoring ${id} into ${db} failed: ${restoreError}; ${db} was not changed.`
        : `restoring ${id} into ${db} failed: ${restoreError}. The restore runs in one transaction, so ${db} should be as it was; the safety backup ${safetyId} holds the state from just before.`,
      rollback,
    };
  }
  if (unhealthy.length) {
    return { ok: false, id, database: db, safetyBackupId: safetyId, stopped, health, unhealthy, message: `restored ${id} into ${db}, but not every service came back healthy: ${unhealthy.join(', ')}`, rollback };
  }
  return { ok: true, id, database: db, safetyBackupId: safetyId, stopped, health, unhealthy, message: `restored ${id} into ${db}; ${stopped.length} service(s) stopped and started again, all healthy`, rollback };
}

/** A backup of one database that never prunes (the backup about to be restored may be old). */
function safetyBackup(ctx: BackupContext, db: string): Promise<BackupRunOutcome> {
  return runBackup(ctx, { extraArgs: ['--only', db, '--no-prune', '--safety'] });
}

const OTHER_SESSIONS_SQL =
  "SELECT coalesce(nullif(application_name, ''), '?') || '@' || coalesce(host(client_addr), 'local') FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid();\n";

/**
 * pg_restore --clean drops tables other sessions may hold: with the services stopped, wait for
 * the remaining sessions to leave rather than restore into a database still in use. (A
 * lock_timeout would not help: pg_restore resets it from the dump's own preamble.)
 */
async function waitForOtherSessions(ctx: BackupContext, containerId: string, db: string, timeoutMs: number): Promise<string[]> {
  const s = ctx.settings;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await ctx.conn.exec(['docker', '-H', `unix://${s.dockerSocket}`, 'exec', '-i', '--', containerId, 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', s.postgres.user, '-d', db, '-v', `db=${db}`], {
      stdin: OTHER_SESSIONS_SQL,
      timeoutMs: 30_000,
    });
    if (r.code !== 0) throw new BackupError(`cannot list the sessions on ${db}: ${sanitise(lastLine(r.stderr))}`);
    const others = r.stdout.split('\n').map((l) => sanitise(l.trim())).filter(Boolean);
    if (others.length === 0 || Date.now() >= deadline) return others;
    await new Promise((res) => setTimeout(res, 1000));
  }
}
