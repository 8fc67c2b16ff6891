/**
 * Backup identities: `DB-YYYYMMDDTHHMMSSZ` (UTC), so names sort by time, carry their database,
 * and are safe in file names, shell words and crontab lines without quoting. Files of one backup
 * on the server: ID.dump.gpg (the encrypted dump), ID.manifest.json (written last; its presence
 * marks a complete backup), and sidecars ID.offsite.json, ID.verify.json, ID.restore-test.json.
 */
import { DB_NAME_RE } from '../config/backup-settings-schema.js';

export const STAMP_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
export const BACKUP_ID_RE = /^([A-Za-z_][A-Za-z0-9_]{0,62})-(\d{8}T\d{6}Z)$/;

export interface ParsedId {
  id: string;
  database: string;
  stamp: string;
  /** Epoch ms of the stamp. */
  time: number;
}

export function stampOf(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}T${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
}

export function stampTime(stamp: string): number | undefined {
  const m = STAMP_RE.exec(stamp);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  // Retention counts days from 1970 (in awk too): earlier stamps are not ours.
  if (y < 1970) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 2026-02-31 over into March: such a stamp is not one we wrote.
  return stampOf(new Date(t)) === stamp ? t : undefined;
}

export function backupId(database: string, stamp: string): string {
  if (!DB_NAME_RE.test(database)) throw new Error(`not a database name for backups: ${database}`);
  if (stampTime(stamp) === undefined) throw new Error(`not a backup time stamp: ${stamp}`);
  return `${database}-${stamp}`;
}

export function parseBackupId(id: string): ParsedId | undefined {
  const m = BACKUP_ID_RE.exec(id);
  if (!m) return undefined;
  const time = stampTime(m[2]!);
  if (time === undefined) return undefined;
  return { id, database: m[1]!, stamp: m[2]!, time };
}

export const DUMP_SUFFIX = '.dump.gpg';
export const MANIFEST_SUFFIX = '.manifest.json';
