import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { backupId, parseBackupId, stampOf, stampTime } from '../../src/backup/backup-id.js';
import { daysFromCivil, planRetention, type RetentionInput } from '../../src/backup/retention.js';
import { GFS_AWK } from '../../src/backup/retention-awk.js';

const id = (stamp: string) => `shop-${stamp}`;
const kept = (inputs: RetentionInput[], policy = { daily: 7, weekly: 4, monthly: 6 }) =>
  planRetention(inputs, policy)
    .filter((d) => d.keep)
    .map((d) => d.id)
    .sort();

/** Daily backups at 03:00 UTC for `days` days back from `last` (inclusive). */
function dailies(last: Date, days: number): RetentionInput[] {
  return Array.from({ length: days }, (_, i) => ({ id: id(stampOf(new Date(last.getTime() - i * 86_400_000))), verified: true }));
}

describe('backup ids', () => {
  it('round-trips ids and stamps, and refuses impossible dates', () => {
    expect(backupId('shop', '20260320T030000Z')).toBe('shop-20260320T030000Z');
    expect(parseBackupId('shop_db-20260320T030000Z')).toMatchObject({ database: 'shop_db', stamp: '20260320T030000Z', time: Date.UTC(2026, 2, 20, 3) });
    expect(parseBackupId('shop-20260231T030000Z')).toBeUndefined();
    expect(parseBackupId('shop-19691231T235959Z')).toBeUndefined();
    expect(parseBackupId('../etc-20260320T030000Z')).toBeUndefined();
    expect(parseBackupId('shop-20260320T030000')).toBeUndefined();
    expect(stampTime(stampOf(new Date(Date.UTC(2030, 0, 1, 0, 0, 1))))).toBe(Date.UTC(2030, 0, 1, 0, 0, 1));
    expect(() => backupId('shop;rm', '20260320T030000Z')).toThrow();
  });

  it('counts days from 1970-01-01 like Date.UTC', () => {
    for (const [y, m, d] of [[1970, 1, 1], [2000, 2, 29], [2024, 12, 31], [2026, 3, 1], [2100, 3, 1]] as const) {
      expect(daysFromCivil(y, m, d)).toBe(Date.UTC(y, m - 1, d) / 86_400_000);
    }
  });
});

describe('GFS retention with injected dates', () => {
  it('keeps the newest per day for 7 days, per ISO week for 4 weeks, per month for 6 months (daily backups over a year)', () => {
    // 2026-06-30 is a Tuesday.
    const all = dailies(new Date(Date.UTC(2026, 5, 30, 3)), 365);
    const k = kept(all);
    const expected = [
      // daily: the last 7 days
      '20260630', '20260629', '20260628', '20260627', '20260626', '20260625', '20260624',
      // weekly: newest of each of the last 4 weeks (Mon-Sun): weeks of 06-29, 06-22, 06-15, 06-08 -> Sundays 06-28 (already), 06-21, 06-14
      '20260621', '20260614',
      // monthly: newest of each of the last 6 months: 06-30 (already), 05-31, 04-30, 03-31, 02-28, 01-31
      '20260531', '20260430', '20260331', '20260228', '20260131',
    ].map((d) => id(`${d}T030000Z`));
    expect(k).toEqual(expected.sort());
  });

  it('never deletes the newest verified backup, even with every count at zero', () => {
    const all = dailies(new Date(Date.UTC(2026, 0, 10, 3)), 5);
    expect(kept(all, { daily: 0, weekly: 0, monthly: 0 })).toEqual([id('20260110T030000Z')]);
  });

  it('lets no unverified backup fill a slot, and keeps those newer than the newest verified one', () => {
    const all: RetentionInput[] = [
      { id: id('20260110T030000Z'), verified: false },
      { id: id('20260109T030000Z'), verified: true },
      { id: id('20260108T030000Z'), verified: false },
      { id: id('20260107T030000Z'), verified: true },
    ];
    const plan = planRetention(all, { daily: 1, weekly: 0, monthly: 0 });
    expect(plan.map((p) => [p.id.slice(5, 13), p.keep, p.reasons.join('+')])).toEqual([
      ['20260110', true, 'unverified-newer'],
      ['20260109', true, 'newest+daily'],
      ['20260108', false, ''],
      ['20260107', false, ''],
    ]);
  });

  it('keeps old backups when backups stopped for months (slots count days that have backups)', () => {
    const old = dailies(new Date(Date.UTC(2025, 0, 10, 3)), 10);
    expect(kept(old, { daily: 3, weekly: 0, monthly: 0 })).toEqual([id('20250110T030000Z'), id('20250109T030000Z'), id('20250108T030000Z')].sort());
  });

  it('keeps ids it cannot read (they are not its to judge)', () => {
    const plan = planRetention([{ id: 'shop-latest', verified: true }, ...dailies(new Date(Date.UTC(2026, 0, 2)), 3)], { daily: 1, weekly: 0, monthly: 0 });
    expect(plan.find((p) => p.id === 'shop-latest')).toEqual({ id: 'shop-latest', keep: true, reasons: [] });
  });

  it('the awk in the server script decides exactly like planRetention on random histories', () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 150; round++) {
      const n = 1 + Math.floor(rnd() * 60);
      const start = Date.UTC(2019 + Math.floor(rnd() * 10), Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28));
      const seen = new Set<string>();
      const inputs: RetentionInput[] = [];
      for (let i = 0; i < n; i++) {
        const t = start - Math.floor(rnd() * 400 * 86_400_000);
        const sid = id(stampOf(new Date(t - (t % 1000))));
        if (seen.has(sid)) continue;
        seen.add(sid);
        inputs.push({ id: sid, verified: rnd() > 0.15 });
      }
      const policy = { daily: Math.floor(rnd() * 9), weekly: Math.floor(rnd() * 6), monthly: Math.floor(rnd() * 8) };
      const input = [...inputs].sort((a, b) => (a.id < b.id ? 1 : -1)).map((b) => `${b.id}\t${b.verified ? 1 : 0}\n`).join('');
      const out = execFileSync('awk', ['-F', '\t', '-v', `KD=${policy.daily}`, '-v', `KW=${policy.weekly}`, '-v', `KM=${policy.monthly}`, GFS_AWK], { input, encoding: 'utf8' });
      const awk = out
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
        .map(([verdict, bid, why]) => ({ id: bid!, keep: verdict === 'keep', reasons: why ? why.split(',') : [] }));
      expect(awk, JSON.stringify({ policy, input })).toEqual(planRetention(inputs, policy));
    }
  });
});
