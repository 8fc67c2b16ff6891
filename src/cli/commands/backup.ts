/**
 * opsdeck backup run|list|verify|prune|schedule|unschedule|log|download: the backup feature for
 * scripts and cron. Every command works from the profile's `backup` settings over one
 * connection; exit codes: 0 ok, 1 degraded (a check failed, the RPO is breached, the off-site
 * copy failed), 2 failed or unusable.
 */
import path from 'node:path';
import type { CommandContext, CommandSpec } from '../command.js';
import { intOption } from '../command.js';
import { connectionOptions } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { withConnection } from '../open-connection.js';
import { version } from '../../version.js';
import { createBackupContext, type BackupContext } from '../../backup/backup-context.js';
import { backupRows, lastRunLine, restoreTestLine, rpoLine, scheduleLine, type Tone } from '../../backup/backup-rows.js';
import { runBackup, stepTitle, verifyBackup, pruneBackups, type BackupRunOutcome } from '../../backup/backup-run.js';
import { downloadBackup } from '../../backup/download.js';
import { parseBackupId } from '../../backup/backup-id.js';
import { readListing, rpoState } from '../../backup/listing.js';
import { DEFAULT_CRON, validateCron } from '../../backup/schedule-lines.js';
import { installSchedule, readScheduleLog, removeSchedule } from '../../backup/schedule.js';
import type { ScriptEvent } from '../../backup/script-events.js';
import { formatBytes } from '../../render/bytes.js';
import { formatDuration } from '../../render/duration.js';
import type { ServerConnection } from '../../transport/connection.js';

const json = { json: { type: 'boolean', description: 'print JSON' } } as const;

/** The profile's backup settings over one connection, for the length of `fn`. */
export function withBackup<T>(ctx: CommandContext, fn: (b: BackupContext) => Promise<T>): Promise<T> {
  return withConnection(ctx, async (conn: ServerConnection) => {
    const b = await createBackupContext(conn, conn.target.profile?.backup, conn.target.label, { version: version() });
    return fn(b);
  });
}

function positionalId(ctx: CommandContext, command: string): string {
  const [id, ...extra] = ctx.positionals;
  if (!id) throw new UserError(`backup ${command}: needs a backup ID`, { hint: "See the ids with 'opsdeck backup list'." });
  if (extra.length) throw new UserError(`backup ${command}: unexpected argument '${extra[0]}'`);
  if (!parseBackupId(id)) throw new UserError(`backup ${command}: '${id}' is not a backup id`, { hint: "Ids look like shop-20260101T031700Z; see 'opsdeck backup list'." });
  return id;
}

function noPositionals(ctx: CommandContext, command: string): void {
  if (ctx.positionals.length) throw new UserError(`backup ${command}: unexpected argument '${ctx.positionals[0]}'`);
}

const MARK: Record<Tone, string> = { ok: '', warn: '! ', error: '✗ ', dim: '' };

/** Progress for people watching (stderr, so stdout stays the result). */
function progressPrinter(ctx: CommandContext, b: BackupContext): (e: ScriptEvent) => void {
  return (e) => {
    if (e.kind === 'step') ctx.stderr.write(`… ${e.step}${e.subject ? ` ${e.subject}` : ''}: ${stepTitle(b, e.step) ?? ''}\n`);
    else if (e.kind === 'warn') ctx.stderr.write(`! ${e.message}\n`);
    else if (e.kind === 'prune') ctx.stderr.write(`  pruned ${e.id}\n`);
  };
}

function runSummary(o: BackupRunOutcome): string {
  const lines: string[] = [];
  for (const b of o.backups) lines.push(`backup ${b.id}: ${formatBytes(b.bytes)}, verified, sha256 ${b.sha256}`);
  for (const off of o.offsite) lines.push(`off-site copy of ${off.id}: ok (${off.compared} compared)`);
  if (o.pruned.length) lines.push(`pruned: ${o.pruned.join(', ')}`);
  for (const w of o.warnings) lines.push(`warning: ${w}`);
  if (o.status === 'ok') lines.push(`done in ${formatDuration(o.durationMs)}`);
  else if (o.status === 'degraded') lines.push(`backed up, but: ${o.message ?? ''}`);
  return lines.join('\n') + '\n';
}

const run: CommandSpec = {
  name: 'run',
  summary: 'back up now: dump, encrypt, verify, copy off-site, prune (exit 0 ok, 1 off-site/prune failed, 2 failed)',
  usage: 'backup run [--host H] [--json]',
  options: { ...connectionOptions, ...json },
  run: (ctx) => {
    noPositionals(ctx, 'run');
    return withBackup(ctx, async (b) => {
      const stop = new AbortController();
      // Ctrl-C ends the run's lifeline: the server stops and removes its partial files.
      const onSig = () => stop.abort();
      process.once('SIGINT', onSig);
      process.once('SIGTERM', onSig);
      try {
        // Steps as they happen for someone watching; cron mail gets only the result.
        const watching = !ctx.values.json && (ctx.stderr as { isTTY?: boolean }).isTTY === true;
        const o = await runBackup(b, { signal: stop.signal, ...(watching ? { onEvent: progressPrinter(ctx, b) } : {}) });
        if (ctx.values.json) ctx.stdout.write(JSON.stringify(o, null, 2) + '\n');
        else if (o.status === 'ok' || o.status === 'degraded') ctx.stdout.write(runSummary(o));
        if (o.status === 'failed' || o.status === 'cancelled') {
          if (ctx.values.json) return EXIT.error;
          throw new UserError(`backup failed: ${o.message ?? 'unknown reason'}`, { hint: 'Earlier backups are untouched and partial files were removed.' });
        }
        return o.exitCode;
      } finally {
        process.off('SIGINT', onSig);
        process.off('SIGTERM', onSig);
      }
    });
  },
};

const list: CommandSpec = {
  name: 'list',
  summary: 'list backups with age, size, verified and off-site state; RPO and schedule (exit 1 when the RPO is breached or the last scheduled run failed)',
  usage: 'backup list [--host H] [--json]',
  options: { ...connectionOptions, ...json },
  run: (ctx) => {
    noPositionals(ctx, 'list');
    return withBackup(ctx, async (b) => {
      const l = await readListing(b.conn, b.settings);
      const now = b.now();
      const rpo = rpoState(l.backups, b.settings.rpoHours, now, b.settings.postgres.databases);
      const scheduleFailed = l.lastSchedule !== undefined && l.lastSchedule.exitCode !== 0;
      if (ctx.values.json) {
        ctx.stdout.write(
          JSON.stringify(
            {
              directory: l.directory,
              directoryExists: l.directoryExists,
              rpo: { targetHours: rpo.targetHours, breached: rpo.breached, newestVerified: rpo.newestVerified?.id ?? null, ageMs: rpo.ageMs ?? null },
              schedule: { cron: l.schedule.cron ?? null, lastRun: l.lastSchedule ?? null },
              lastRun: l.lastRun ?? null,
              lastRestoreTest: l.lastRestoreTest ?? null,
              backups: l.backups.map((e) => ({
                id: e.id,
                database: e.database,
                time: new Date(e.time).toISOString(),
                bytes: e.bytes ?? null,
                verified: e.verified,
                manifest: e.manifest ?? null,
                lastVerify: e.lastVerify ?? null,
                offsite: e.offsite ?? null,
                restoreTest: e.restoreTest ?? null,
              })),
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        const out: string[] = [`backups of ${b.label} in ${l.directory}${l.directoryExists ? '' : ' (does not exist yet)'}`];
        for (const line of [rpoLine(rpo), scheduleLine(l, now), lastRunLine(l, now), restoreTestLine(l, now)]) if (line) out.push(`${MARK[line.tone]}${line.text}`);
        const rows = backupRows(l.backups, now, b.settings.rsync !== undefined);
        if (rows.length === 0) out.push('', 'No backups yet. Make one: opsdeck backup run');
        else {
          const table = [['ID', 'AGE', 'SIZE', 'VERIFIED', 'OFF-SITE', 'TEST RESTORE'], ...rows.map((r) => [r.id, r.age, r.size, r.verified.text, r.offsite.text, r.restoreTest.text])];
          const w = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
          out.push('', ...table.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()));
        }
        ctx.stdout.write(out.join('\n') + '\n');
      }
      return rpo.breached || scheduleFailed ? EXIT.degraded : EXIT.ok;
    });
  },
};

const verify: CommandSpec = {
  name: 'verify',
  summary: 'verify a backup again: sha256 against its manifest, decrypt, pg_restore --list (exit 1 when it fails)',
  usage: 'backup verify ID [--host H] [--json]',
  options: { ...connectionOptions, ...json },
  run: (ctx) => {
    const id = positionalId(ctx, 'verify');
    return withBackup(ctx, async (b) => {
      const r = await verifyBackup(b, id);
      if (ctx.values.json) ctx.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else if (r.ok) ctx.stdout.write(`${id}: verified (sha256 matches the manifest; decrypts; pg_restore lists it)\n`);
      else ctx.stdout.write(`${id}: FAILED: ${r.message ?? ''}\n`);
      return r.ok ? EXIT.ok : r.couldNotRun ? EXIT.error : EXIT.degraded;
    });
  },
};

const prune: CommandSpec = {
  name: 'prune',
  summary: 'apply the retention policy (GFS); never deletes the newest verified backup',
  usage: 'backup prune [--dry-run] [--host H] [--json]',
  options: { ...connectionOptions, ...json, 'dry-run': { type: 'boolean', description: 'only say what would be deleted' } },
  run: (ctx) => {
    noPositionals(ctx, 'prune');
    return withBackup(ctx, async (b) => {
      const r = await pruneBackups(b, { dryRun: ctx.values['dry-run'] === true });
      if (ctx.values.json) ctx.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        const lines = [...r.kept.map((k) => `keep    ${k.id}  (${k.reasons.join(', ')})`), ...r.pruned.map((id) => `${r.dryRun ? 'would delete' : 'deleted'} ${id}`)];
        if (!r.ok) lines.push(`pruning failed: ${r.message ?? ''}`);
        ctx.stdout.write((lines.length ? lines.join('\n') : 'no backups') + '\n');
      }
      return r.ok ? EXIT.ok : EXIT.degraded;
    });
  },
};

const schedule: CommandSpec = {
  name: 'schedule',
  summary: "install the backup script on the server and run it from the deploy user's crontab",
  usage: `backup schedule [--cron "${DEFAULT_CRON}"] [--host H]`,
  options: { ...connectionOptions, cron: { type: 'string', valueName: 'EXPR', description: `five cron fields (default "${DEFAULT_CRON}", daily at 03:17)` } },
  run: (ctx) => {
    noPositionals(ctx, 'schedule');
    // A bad expression is refused before connecting, not after.
    const cron = validateCron(typeof ctx.values.cron === 'string' ? ctx.values.cron : DEFAULT_CRON);
    return withBackup(ctx, async (b) => {
      const r = await installSchedule(b, cron);
      ctx.stdout.write(`scheduled: ${r.line}\nscript: ${r.script}\nlog: ${r.log} (opsdeck backup log)\n`);
      return EXIT.ok;
    });
  },
};

const unschedule: CommandSpec = {
  name: 'unschedule',
  summary: "remove opsdeck's line from the deploy user's crontab",
  usage: 'backup unschedule [--host H]',
  options: { ...connectionOptions },
  run: (ctx) => {
    noPositionals(ctx, 'unschedule');
    return withBackup(ctx, async (b) => {
      const r = await removeSchedule(b);
      ctx.stdout.write(r.removed ? 'schedule removed\n' : 'no schedule was installed\n');
      return EXIT.ok;
    });
  },
};

const log: CommandSpec = {
  name: 'log',
  summary: "show the end of the scheduled runs' log on the server",
  usage: 'backup log [--lines N] [--host H]',
  options: { ...connectionOptions, lines: { type: 'string', valueName: 'N', description: 'how many lines (default 100)' } },
  run: (ctx) => {
    noPositionals(ctx, 'log');
    const lines = intOption(ctx.values.lines, 'lines', { min: 1, max: 100_000, fallback: 100 });
    return withBackup(ctx, async (b) => {
      const text = await readScheduleLog(b, lines);
      ctx.stdout.write(text ? (text.endsWith('\n') ? text : `${text}\n`) : 'no scheduled run has logged anything yet\n');
      return EXIT.ok;
    });
  },
};

const download: CommandSpec = {
  name: 'download',
  summary: 'copy a backup (still encrypted) and its manifest to this machine, checked against its sha256',
  usage: 'backup download ID [--to DIR] [--host H]',
  options: { ...connectionOptions, to: { type: 'string', valueName: 'DIR', description: 'where to put it (default: offsite.download.directory, else .)' } },
  run: (ctx) => {
    const id = positionalId(ctx, 'download');
    return withBackup(ctx, async (b) => {
      const dir = typeof ctx.values.to === 'string' ? ctx.values.to : (b.settings.downloadDirectory ?? '.');
      const r = await downloadBackup(b, id, path.resolve(dir));
      ctx.stdout.write(`${r.file}: ${formatBytes(r.bytes)}, sha256 matches the manifest\n${r.manifest}\n`);
      return EXIT.ok;
    });
  },
};

export const backupCommand: CommandSpec = {
  name: 'backup',
  summary: 'PostgreSQL backups: run, list, verify, prune, schedule',
  usage: 'backup run|list|verify|prune|schedule|unschedule|log|download',
  options: {},
  subcommands: [run, list, verify, prune, schedule, unschedule, log, download],
};
