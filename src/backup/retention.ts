/**
 * Grandfather-father-son retention, the way restic and borg count it: walking the verified
 * backups of one database from newest to oldest, keep the newest backup of each of the last
 * `daily` days that have backups, of each of the last `weekly` ISO weeks (Monday to Sunday, UTC)
 * and of each of the last `monthly` months. On top of that:
 *   - the newest verified backup is always kept, whatever the counts say (even all zero);
 *   - backups that are not verified (a later verify failed, or an orphan dump without manifest)
 *     never fill a slot; they are kept only while they are newer than the newest verified one.
 * Time comes only from the backup ids, so plans are pure functions of their input: tests inject
 * dates instead of waiting for them. The generated script walks the same rules in awk
 * (retention-awk.ts); a unit test runs both on the same inputs and requires identical plans.
 */
import { parseBackupId } from './backup-id.js';
import type { Retention } from './settings.js';

export interface RetentionInput {
  id: string;
  verified: boolean;
}

export type KeepReason = 'newest' | 'daily' | 'weekly' | 'monthly' | 'unverified-newer';

export interface RetentionDecision {
  id: string;
  keep: boolean;
  reasons: KeepReason[];
}

/** Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm; the awk uses the same). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

interface Buckets {
  day: number;
  week: number;
  month: number;
}

function bucketsOf(stamp: string): Buckets {
  const y = Number(stamp.slice(0, 4));
  const m = Number(stamp.slice(4, 6));
  const d = Number(stamp.slice(6, 8));
  const day = daysFromCivil(y, m, d);
  // 1970-01-01 was a Thursday: +3 makes weeks start on Monday.
  return { day, week: Math.floor((day + 3) / 7), month: y * 12 + m - 1 };
}

/** Decisions for the backups of ONE database, newest first. Ids that do not parse are kept. */
export function planRetention(backups: readonly RetentionInput[], policy: Retention): RetentionDecision[] {
  const parsed = backups.map((b) => ({ ...b, parsed: parseBackupId(b.id) }));
  const valid = parsed.filter((b) => b.parsed !== undefined).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const out: RetentionDecision[] = [];
  let haveNewest = false;
  const slots = {
    daily: { left: policy.daily, last: undefined as number | undefined },
    weekly: { left: policy.weekly, last: undefined as number | undefined },
    monthly: { left: policy.monthly, last: undefined as number | undefined },
  };
  for (const b of valid) {
    const reasons: KeepReason[] = [];
    if (b.verified) {
      const k = bucketsOf(b.parsed!.stamp);
      if (!haveNewest) {
        reasons.push('newest');
        haveNewest = true;
      }
      const take = (name: 'daily' | 'weekly' | 'monthly', value: number) => {
        const s = slots[name];
        if (s.left > 0 && s.last !== value) {
          reasons.push(name);
          s.left--;
          s.last = value;
        }
      };
      take('daily', k.day);
      take('weekly', k.week);
      take('monthly', k.month);
    } else if (!haveNewest) {
      reasons.push('unverified-newer');
    }
    out.push({ id: b.id, keep: reasons.length > 0, reasons });
  }
  for (const b of parsed) if (b.parsed === undefined) out.push({ id: b.id, keep: true, reasons: [] });
  return out;
}

/** Plans for a whole directory: grouped by database, only for the databases given. */
export function planRetentionByDatabase(backups: readonly (RetentionInput & { database: string })[], databases: readonly string[], policy: Retention): RetentionDecision[] {
  const out: RetentionDecision[] = [];
  for (const db of databases) out.push(...planRetention(backups.filter((b) => b.database === db), policy));
  return out;
}
