import { describe, expect, it } from 'vitest';
import { backupRows, rpoLine, scheduleLine, restoreTestLine } from '../../src/backup/backup-rows.js';
import { dependsOn, selectDependents } from '../../src/backup/dependent-services.js';
import { looksLikePostgres } from '../../src/backup/detect.js';
import { parseListing, rpoState } from '../../src/backup/listing.js';
import { compareCounts, parseRowCounts } from '../../src/backup/row-counts.js';
import { applyEvent, currentStep, elapsedMs, finished, started, tick } from '../../src/backup/run-progress.js';
import { LineSplitter, parseEventLine, Tail } from '../../src/backup/script-events.js';
import type { ContainerSummary } from '../../src/docker/schemas.js';

const H = 3_600_000;
const manifest = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    format: 'opsdeck-backup/1', id, database: id.split('-')[0], container: 'shop-postgres-1', image: 'postgres:15', serverVersion: '15.20', encryption: 'passphrase-file',
    trigger: 'opsdeck', startedAt: '2026-03-20T03:00:00Z', durationMs: 2000, plainBytes: 2000, encryptedBytes: 1000, sha256: 'a'.repeat(64), tocEntries: 20, tables: 5, liveTables: 5,
    verified: true, opsdeckVersion: '1', warnings: [], ...extra,
  });

function reader(files: Record<string, string | number>, cron?: string): string {
  const lines: string[] = [];
  for (const [name, v] of Object.entries(files)) {
    lines.push(`F\t${name}\t${typeof v === 'number' ? v : v.length}`);
    if (typeof v === 'string') lines.push(`J\t${name}\t${v.replace(/\n/g, '')}`);
  }
  if (cron) lines.push(`C\t${cron}`);
  return lines.join('\n') + '\n';
}

describe('the backup directory listing', () => {
  const a = 'shop-20260320T030000Z';
  const b = 'shop-20260319T030000Z';
  const c = 'shop-20260318T030000Z';
  const out = reader(
    {
      [`${a}.dump.gpg`]: 1000,
      [`${a}.manifest.json`]: manifest(a),
      [`${a}.offsite.json`]: JSON.stringify({ copiedAt: '2026-03-20T03:01:00Z', destination: 'u@h:b/', compared: 'sha256', ok: true }),
      [`${b}.dump.gpg`]: 999,
      [`${b}.manifest.json`]: manifest(b),
      [`${b}.verify.json`]: JSON.stringify({ checkedAt: '2026-03-20T05:00:00Z', ok: false, failedStep: 'reverify', message: 'sha256 changed' }),
      [`${c}.dump.gpg`]: 5,
      'notes.txt': 3,
      'evil\u001b]0;pwned\u0007-20260320T030000Z.dump.gpg': 1,
      '.opsdeck/last-schedule.json': JSON.stringify({ trigger: 'schedule', startedAt: '2026-03-20T03:00:00Z', finishedAt: '2026-03-20T03:00:09Z', exitCode: 2, failedStep: 'dump', message: 'pg_dump | gpg failed', backups: [] }),
    },
    '17 3 * * * /bin/bash /b/.opsdeck/backup.sh --scheduled # opsdeck-backup /b',
  );
  const l = parseListing(out, '/b');

  it('reads every backup, newest first, with its state; ignores files that are not backups', () => {
    expect(l.backups.map((x) => [x.id, x.bytes, x.verified, x.manifest !== undefined])).toEqual([
      [a, 1000, true, true],
      [b, 999, false, true],
      [c, 5, false, false],
    ]);
    expect(l.schedule.cron).toBe('17 3 * * *');
    expect(l.lastSchedule?.exitCode).toBe(2);
  });

  it('turns them into rows with age, size, verified and off-site state', () => {
    const now = Date.UTC(2026, 2, 20, 9);
    expect(backupRows(l.backups, now, true).map((r) => [r.age, r.size, r.verified.text, r.offsite.text])).toEqual([
      ['6h ago', '1000 B', 'yes', 'ok (sha256)'],
      ['1d ago', '999 B', 'FAILED', 'not copied'],
      ['2d ago', '5 B', 'incomplete', 'not copied'],
    ]);
    expect(scheduleLine(l, now)).toEqual({ text: 'schedule: 17 3 * * *; last ran 5h ago and FAILED at step dump: pg_dump | gpg failed', tone: 'error' });
    expect(restoreTestLine(l, now).tone).toBe('warn');
  });

  it('breaches the RPO when the newest verified backup is older than the target, or missing', () => {
    expect(rpoState(l.backups, 24, Date.UTC(2026, 2, 20, 9)).breached).toBe(false);
    const late = rpoState(l.backups, 24, Date.UTC(2026, 2, 21, 4));
    expect(late).toMatchObject({ breached: true, ageMs: 25 * H });
    expect(rpoLine(late)).toEqual({ text: 'RPO BREACHED: newest verified backup is 1d 1h old (target 24 h)', tone: 'error' });
    // A configured database with no verified backup at all breaches whatever the others do.
    expect(rpoState(l.backups, 24, Date.UTC(2026, 2, 20, 9), ['shop', 'analytics']).breached).toBe(true);
    expect(rpoLine(rpoState([], 24, 0))).toEqual({ text: 'RPO BREACHED: no verified backup (target 24 h)', tone: 'error' });
  });

  it('refuses a manifest that names another backup, and a directory it may not enter', () => {
    const swapped = parseListing(reader({ [`${a}.dump.gpg`]: 10, [`${a}.manifest.json`]: manifest(b) }), '/b');
    expect(swapped.backups[0]).toMatchObject({ id: a, manifest: undefined, verified: false });
    expect(parseListing('M\n', '/b').directoryExists).toBe(false);
    expect(() => parseListing('E\tcannot enter /b (permissions?)\n', '/b')).toThrow('cannot enter /b (permissions?)');
  });
});

describe('the script event protocol', () => {
  it('parses events and sanitises their fields', () => {
    expect(parseEventLine('@opsdeck\t2026-01-01T00:00:00Z\tstep\tdump\tshop')).toEqual({ kind: 'step', at: '2026-01-01T00:00:00Z', step: 'dump', subject: 'shop' });
    expect(parseEventLine('@opsdeck\tT\tfail\tdump\tpg_dump \u001b[31mfailed')).toEqual({ kind: 'fail', at: 'T', step: 'dump', message: 'pg_dump failed' });
    expect(parseEventLine('@opsdeck\tT\tbytes\t12x')).toEqual({ kind: 'bytes', at: 'T', bytes: 0 });
    expect(parseEventLine('@opsdeck\tT\tkeep\tshop-1\tnewest,daily')).toEqual({ kind: 'keep', at: 'T', id: 'shop-1', reasons: ['newest', 'daily'] });
    expect(parseEventLine('@opsdeck\tT\twould-prune\tshop-1')).toEqual({ kind: 'prune', at: 'T', id: 'shop-1', dryRun: true });
    expect(parseEventLine('pg_dump: error: x')).toBeUndefined();
    expect(parseEventLine('@opsdeck\tT\tnonsense')).toBeUndefined();
  });

  it('splits lines across chunks, even inside a UTF-8 character', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('a\nü\nrest');
    expect(s.push(bytes.subarray(0, 3))).toEqual(['a']);
    expect(s.push(bytes.subarray(3))).toEqual(['ü']);
    expect(s.end()).toEqual(['rest']);
    const t = new Tail(2);
    for (const l of ['one', '', 'two\u0007', 'three']) t.add(l);
    expect(t.lines()).toEqual(['two', 'three']);
  });

  it('turns events into progress: step, bytes, rate and elapsed time', () => {
    let p = started(1000);
    p = applyEvent(p, { kind: 'step', at: '', step: 'dump', subject: 'shop' }, 1100, () => 'dump the database');
    p = applyEvent(p, { kind: 'bytes', at: '', bytes: 0 }, 1100);
    p = applyEvent(p, { kind: 'bytes', at: '', bytes: 1_000_000 }, 1600);
    p = applyEvent(p, { kind: 'bytes', at: '', bytes: 3_000_000 }, 2100);
    expect(p.bytes).toBe(3_000_000);
    expect(p.rateBps).toBe(3_000_000);
    expect(currentStep(p)).toMatchObject({ id: 'dump', subject: 'shop', title: 'dump the database', state: 'running' });
    p = tick(p, 4000);
    expect(elapsedMs(p)).toBe(3000);
    p = applyEvent(p, { kind: 'step', at: '', step: 'verify', subject: 'shop' }, 4100);
    expect(p.steps.map((s) => [s.id, s.state])).toEqual([['dump', 'done'], ['verify', 'running']]);
    p = applyEvent(p, { kind: 'fail', at: '', step: 'verify', message: 'x' }, 4200);
    p = finished(p, { status: 'failed', exitCode: 2, backups: [], warnings: [], offsite: [], pruned: [], failedStep: 'verify', message: 'x', stderr: [], durationMs: 3200 }, 4300);
    expect(p.phase).toBe('failed');
    expect(p.steps.at(-1)).toMatchObject({ id: 'verify', state: 'failed', endedAt: 4200 });
    expect(tick(p, 9999)).toBe(p);
  });
});

describe('finding PostgreSQL and what depends on it', () => {
  it('recognises PostgreSQL images and commands', () => {
    for (const image of ['postgres:16', 'postgres', 'pgvector/pgvector:pg17', 'postgis/postgis:16-3.4', 'timescale/timescaledb:latest-pg16', 'ghcr.io/acme/postgres-custom:1', 'supabase/postgres:15.1'])
      expect(looksLikePostgres({ Image: image, Command: '' }), image).toBe(true);
    for (const image of ['redis:7', 'mysql:8', 'ghost:5', 'grafana/grafana']) expect(looksLikePostgres({ Image: image, Command: 'docker-entrypoint.sh' }), image).toBe(false);
    expect(looksLikePostgres({ Image: 'sha256:abc', Command: 'docker-entrypoint.sh postgres' })).toBe(true);
  });

  it('stops the configured services, else those whose compose depends_on names the database', () => {
    const c = (name: string, labels: Record<string, string>): ContainerSummary => ({ Id: name, Names: [`/${name}`], Labels: labels, State: 'running' });
    const list = [
      c('shop-postgres-1', { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'postgres' }),
      c('shop-api-1', { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api', 'com.docker.compose.depends_on': 'postgres:service_healthy:false,redis:service_started:false' }),
      c('shop-web-1', { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', 'com.docker.compose.depends_on': 'api:service_started:false' }),
      c('blog-api-1', { 'com.docker.compose.project': 'blog', 'com.docker.compose.service': 'api', 'com.docker.compose.depends_on': 'postgres:service_started:false' }),
      c('cron-runner', {}),
    ];
    const pg = { service: 'postgres', project: 'shop', container: 'shop-postgres-1' };
    expect(selectDependents(list, pg, undefined).map((x) => x.Id)).toEqual(['shop-api-1']);
    expect(selectDependents(list, pg, ['web', 'cron-runner', 'postgres']).map((x) => x.Id)).toEqual(['shop-web-1', 'cron-runner']);
    expect(dependsOn({ 'com.docker.compose.depends_on': 'postgresql:x:y' }, 'postgres')).toBe(false);
  });

  it('compares row counts: a missing table fails, a changed count is reported', () => {
    const live = parseRowCounts('public.a\t10\npublic.b\t5\npublic.c\t0\n');
    const restored = parseRowCounts('public.a\t10\npublic.b\t4\n');
    const v = compareCounts(restored, live);
    expect(v).toMatchObject({ ok: false, missing: ['public.c'], differing: ['public.b'] });
    expect(compareCounts(live, live).ok).toBe(true);
    expect(compareCounts(new Map(), live).ok).toBe(false);
  });
});
