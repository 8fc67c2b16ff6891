/**
 * The deploy user's crontab entry for scheduled backups, as pure functions: validating the
 * cron expression, building the line, and replacing or removing opsdeck's line in an existing
 * crontab without touching anybody else's lines. The marker comment names the backup
 * directory, so several profiles (one directory each) can share a server.
 */
import { BackupError } from './backup-error.js';
import { scriptPath } from './script.js';
import type { ResolvedBackupSettings } from './settings.js';
import { shellCommand } from '../transport/shell-quote.js';

export const DEFAULT_CRON = '17 3 * * *';

export function cronMarker(s: Pick<ResolvedBackupSettings, 'directory'>): string {
  return `# opsdeck-backup ${s.directory}`;
}

const FIELD = /^(?:\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/[0-9]+)?(?:,(?:\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/[0-9]+)?)*$/;
const NAMES = /^(?:[0-9*/,-]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)+$/i;

/** Five cron fields (minute hour day month weekday); `%` and anything else cron would act on is refused. */
export function validateCron(expr: string): string {
  const fields = expr.trim().split(/\s+/);
  const bad = () => new BackupError(`'${expr}' is not a cron schedule`, { hint: 'Give five fields: minute hour day-of-month month day-of-week, e.g. --cron "17 3 * * *" (daily at 03:17).' });
  if (fields.length !== 5) throw bad();
  for (const f of fields) if (!FIELD.test(f) || !NAMES.test(f)) throw bad();
  return fields.join(' ');
}

export function cronLine(expr: string, s: Pick<ResolvedBackupSettings, 'directory'>): string {
  // cron runs this with /bin/sh and a minimal environment; the script sets its own PATH and logs itself.
  return `${validateCron(expr)} ${shellCommand(['/bin/bash', scriptPath(s), '--scheduled'])} ${cronMarker(s)}`;
}

function isOurs(line: string, marker: string): boolean {
  return line.trimEnd().endsWith(marker);
}

/** The crontab with opsdeck's line for this directory replaced (or added). */
export function withScheduleLine(existing: string, line: string, marker: string): string {
  const kept = existing.split('\n').filter((l) => l !== '' && !isOurs(l, marker));
  return [...kept, line].join('\n') + '\n';
}

/** The crontab without opsdeck's line for this directory; `removed` says whether there was one. */
export function withoutScheduleLine(existing: string, marker: string): { text: string; removed: boolean } {
  const lines = existing.split('\n').filter((l) => l !== '');
  const kept = lines.filter((l) => !isOurs(l, marker));
  return { text: kept.length ? kept.join('\n') + '\n' : '', removed: kept.length !== lines.length };
}
