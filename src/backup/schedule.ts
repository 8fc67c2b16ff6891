/**
 * `opsdeck backup schedule` / `unschedule`: upload the generated script (the same text a live
 * run sends) into the backup directory's state folder, and put one line in the deploy user's
 * crontab. Scheduled runs then need nothing from the operator's machine.
 */
import type { BackupContext } from './backup-context.js';
import { scriptFor } from './backup-context.js';
import { BackupError } from './backup-error.js';
import { cronLine, cronMarker, withScheduleLine, withoutScheduleLine } from './schedule-lines.js';
import { logPath, scriptPath } from './script.js';
import { lastLine, tailServerFile, writeServerFile } from './server-files.js';
import { sanitise } from '../text/sanitise.js';

async function readCrontab(ctx: BackupContext): Promise<string> {
  const r = await ctx.conn.exec(['crontab', '-l'], { timeoutMs: 30_000 });
  if (r.code === 0) return r.stdout;
  if (/no crontab for/i.test(r.stderr)) return '';
  if (r.code === 127) throw new BackupError('crontab is not installed on the server', { hint: 'Install cron there (Debian/Ubuntu: apt-get install cron).' });
  throw new BackupError(`crontab -l failed on the server: ${sanitise(lastLine(r.stderr) || `exit ${r.code}`)}`);
}

async function writeCrontab(ctx: BackupContext, text: string): Promise<void> {
  const r = await ctx.conn.exec(['crontab', '-'], { stdin: text, timeoutMs: 30_000 });
  if (r.code !== 0) throw new BackupError(`crontab refused the new table: ${sanitise(lastLine(r.stderr) || `exit ${r.code}`)}`);
}

export interface ScheduleResult {
  line: string;
  script: string;
  log: string;
}

export async function installSchedule(ctx: BackupContext, cron: string): Promise<ScheduleResult> {
  const line = cronLine(cron, ctx.settings);
  const dir = ctx.settings.directory;
  const mk = await ctx.conn.exec(['bash', '-c', 'umask 077 && mkdir -p -- "$1/.opsdeck" && chmod 700 -- "$1" "$1/.opsdeck"', 'opsdeck-mkdir', dir], { timeoutMs: 30_000 });
  if (mk.code !== 0) {
    throw new BackupError(`cannot create ${dir} (mode 700) on the server: ${sanitise(lastLine(mk.stderr) || `exit ${mk.code}`)}`, {
      hint: `Create it once as root: sudo install -d -m 700 -o $USER ${dir}`,
    });
  }
  await writeServerFile(ctx.conn, scriptPath(ctx.settings), scriptFor(ctx), '700');
  await writeCrontab(ctx, withScheduleLine(await readCrontab(ctx), line, cronMarker(ctx.settings)));
  return { line, script: scriptPath(ctx.settings), log: logPath(ctx.settings) };
}

export async function removeSchedule(ctx: BackupContext): Promise<{ removed: boolean }> {
  const current = await readCrontab(ctx);
  const next = withoutScheduleLine(current, cronMarker(ctx.settings));
  if (next.removed) await writeCrontab(ctx, next.text);
  // The script stays: it is small, and a manual run of it still works.
  return { removed: next.removed };
}

export async function readScheduleLog(ctx: BackupContext, lines = 100): Promise<string> {
  return tailServerFile(ctx.conn, logPath(ctx.settings), lines);
}
