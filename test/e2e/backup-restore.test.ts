/**
 * Restores against the lab's real PostgreSQL: the test restore into a throwaway container from
 * the live image (and into a scratch database), compared with the live row counts; the live
 * restore with its typed confirmation, safety backup, stopped and restarted service and health
 * check; and the failure path, which leaves the database as it was and names the way back.
 * Only databases of our own (opsdeck_e2e_*) and a container of our own are touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDocker, requireLab, type LabInfo } from '../lab/api.js';
import { startStorageBox, type StorageBox } from '../lab/storage-box.js';
import {
  backupContext,
  cli,
  createTestDatabase,
  dropTestDatabase,
  idsIn,
  labPsql,
  makeBackupArea,
  openConnection,
  settingsFor,
  writeProfile,
  type BackupArea,
} from './backup-helpers.js';
import { testRestore } from '../../src/backup/restore-test.js';
import type { BackupSettings } from '../../src/config/backup-settings-schema.js';

const DB = 'opsdeck_e2e_restore';
const LIVE_DB = 'opsdeck_e2e_live';
const CLIENT = 'opsdeck-e2e-dbclient';
const COUNTS = { accounts: 1200, invoices: 345, audit_log: 7 };
let lab: LabInfo;
const areas: BackupArea[] = [];

function area(name: string): BackupArea {
  const a = makeBackupArea(lab, name);
  areas.push(a);
  return a;
}

async function scratchLeftovers(): Promise<number> {
  const list = await labDocker(lab).listContainers({ all: true, filters: JSON.stringify({ label: ['opsdeck.scratch=true'] }) });
  return list.length;
}

async function count(db: string, table: string): Promise<number> {
  return Number((await labPsql(lab, db, `SELECT count(*) FROM ${table};\n`)).trim());
}

beforeAll(async () => {
  lab = await requireLab();
  await createTestDatabase(lab, DB, COUNTS);
}, 120_000);

afterAll(async () => {
  for (const a of areas) a.cleanup();
  await dropTestDatabase(lab, DB);
  await dropTestDatabase(lab, LIVE_DB);
  await labDocker(lab).getContainer(CLIENT).remove({ force: true }).catch(() => undefined);
});

describe('test restore', () => {
  let a: BackupArea;
  let id: string;
  let settings: BackupSettings;

  it('restores into a throwaway container from the same image and reproduces the row counts', async () => {
    a = area('scratch');
    settings = settingsFor(a, [DB]);
    writeProfile(lab, a, settings);
    expect((await cli(lab, a, ['backup', 'run'])).code).toBe(0);
    [id] = idsIn(a) as [string];
    const r = await cli(lab, a, ['restore', id, '--scratch', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rec = JSON.parse(r.stdout) as { ok: boolean; method: string; image: string; tables: { table: string; restored: number; live: number }[] };
    expect(rec).toMatchObject({ ok: true, method: 'container', image: lab.postgres.image });
    expect(rec.tables).toEqual(
      Object.entries(COUNTS)
        .map(([t, n]) => ({ table: `public.${t}`, restored: n, live: n }))
        .sort((x, y) => x.table.localeCompare(y.table)),
    );
    expect(await scratchLeftovers()).toBe(0);
    const list = await cli(lab, a, ['backup', 'list']);
    expect(list.stdout).toMatch(new RegExp(`test restore: passed (just now|\\d+s ago) \\(${id}, container\\)`));
    expect(list.stdout).toMatch(new RegExp(`^${id} .* passed `, 'm'));
  });

  it('shows rows that changed since the backup, and restores into a scratch database when asked', async () => {
    await labPsql(lab, DB, 'INSERT INTO audit_log SELECT g, md5(g::text) FROM generate_series(1000, 1002) g;\n');
    const conn = await openConnection(lab, a);
    try {
      const rec = await testRestore(await backupContext(conn, settings), id, { method: 'database' });
      expect(rec.ok).toBe(true);
      expect(rec.method).toBe('database');
      expect(rec.tables.find((t) => t.table === 'public.audit_log')).toEqual({ table: 'public.audit_log', restored: 7, live: 10 });
      expect(rec.message).toContain('1 table(s) differ from live');
      const left = await labPsql(lab, 'postgres', `SELECT count(*) FROM pg_database WHERE datname = '${DB}_restore_test';\n`);
      expect(left.trim()).toBe('0');
    } finally {
      await conn.close();
      await labPsql(lab, DB, 'DELETE FROM audit_log WHERE id >= 1000;\n');
    }
  });

  it('fetches a backup back from the off-site copy when the server no longer has it', async () => {
    let box: StorageBox | undefined;
    try {
      box = await startStorageBox(lab);
      const b = area('fetch');
      writeProfile(lab, b, settingsFor(b, [DB], { offsite: { rsync: { destination: box.destination, port: box.port, identityFile: box.clientKey, knownHostsFile: box.knownHosts } } }));
      expect((await cli(lab, b, ['backup', 'run'])).code).toBe(0);
      const [fid] = idsIn(b) as [string];
      for (const f of fs.readdirSync(b.dir)) if (f.startsWith(fid)) fs.rmSync(path.join(b.dir, f));
      expect(idsIn(b)).toEqual([]);
      const r = await cli(lab, b, ['restore', fid, '--scratch']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/PASSED: 3 tables, 1552 rows restored/);
      expect(idsIn(b)).toEqual([fid]);
    } finally {
      await box?.stop();
    }
  });
});

describe('live restore', () => {
  let a: BackupArea;
  let id: string;

  beforeAll(async () => {
    await createTestDatabase(lab, LIVE_DB, { items: 100 });
    const docker = labDocker(lab);
    await docker.getContainer(CLIENT).remove({ force: true }).catch(() => undefined);
    // A stand-in for the application that uses the database: stopped and started by the restore.
    const c = await docker.createContainer({
      name: CLIENT,
      Image: 'busybox:1.36',
      // PID 1 ignores SIGTERM unless it handles it: an application would; so does this one.
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'],
      Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000, Timeout: 1_000_000_000, Retries: 1, StartPeriod: 0 },
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    a = area('live');
    writeProfile(lab, a, settingsFor(a, [LIVE_DB], { restore: { stopServices: [CLIENT], healthTimeoutSeconds: 30, sessionWaitSeconds: 3 } }));
    expect((await cli(lab, a, ['backup', 'run'])).code).toBe(0);
    [id] = idsIn(a) as [string];
  }, 120_000);

  it('refuses without the database name typed exactly, and changes nothing', async () => {
    await labPsql(lab, LIVE_DB, 'INSERT INTO items SELECT g, md5(g::text) FROM generate_series(101, 150) g;\n');
    const r = await cli(lab, a, ['restore', id, '--live', '--confirm', 'opsdeck_e2e_LIVE']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`opsdeck: restoring ${id} over the live database needs its name typed exactly: expected '${LIVE_DB}', got 'opsdeck_e2e_LIVE'`);
    const none = await cli(lab, a, ['restore', id, '--live']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('needs --confirm DBNAME');
    expect(await count(LIVE_DB, 'items')).toBe(150);
    expect(idsIn(a)).toEqual([id]);
  });

  it('takes a safety backup, stops and restarts the service, restores, and checks health', async () => {
    const docker = labDocker(lab);
    const startedBefore = (await docker.getContainer(CLIENT).inspect()).State.StartedAt;
    // The safety backup must get its own id (ids have one-second resolution).
    await new Promise((r) => setTimeout(r, 1100));
    const r = await cli(lab, a, ['restore', id, '--live', '--confirm', LIVE_DB, '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; safetyBackupId: string; stopped: string[]; health: { name: string; state: string }[] };
    expect(out.ok).toBe(true);
    expect(out.stopped).toEqual([CLIENT]);
    expect(out.health).toEqual([{ name: CLIENT, state: 'healthy' }]);
    expect(await count(LIVE_DB, 'items')).toBe(100);
    const after = await docker.getContainer(CLIENT).inspect();
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).not.toBe(startedBefore);
    // The safety backup holds the state from just before the restore (150 rows), verified.
    expect(idsIn(a)).toEqual([id, out.safetyBackupId].sort());
    const m = JSON.parse(fs.readFileSync(path.join(a.dir, `${out.safetyBackupId}.manifest.json`), 'utf8')) as { verified: boolean; trigger: string };
    expect(m).toMatchObject({ verified: true, trigger: 'safety' });
    const t = await cli(lab, a, ['restore', out.safetyBackupId, '--scratch', '--json']);
    expect((JSON.parse(t.stdout) as { tables: { table: string; restored: number }[] }).tables).toContainEqual({ table: 'public.items', restored: 150, live: 100 });
  });

  it('when the restore fails, leaves the database as it was, restarts the service and names the way back', async () => {
    const docker = labDocker(lab);
    await labPsql(lab, LIVE_DB, 'INSERT INTO items SELECT g, md5(g::text) FROM generate_series(101, 120) g;\n');
    // Another client is still connected (in a long transaction) after the services were stopped:
    // the restore waits for it (3 s here), then gives up before touching anything.
    const holder = labPsql(lab, LIVE_DB, "SET application_name = 'opsdeck-e2e-holder';\nBEGIN;\nSELECT count(*) FROM items;\nSELECT pg_sleep(120);\nCOMMIT;\n").catch(() => '');
    for (let i = 0; i < 100; i++) {
      const n = await labPsql(lab, 'postgres', "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'opsdeck-e2e-holder';\n");
      if (n.trim() === '1') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await cli(lab, a, ['restore', id, '--live', '--confirm', LIVE_DB]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^restoring ${id} into ${LIVE_DB} failed: 1 other session still uses ${LIVE_DB} \\(opsdeck-e2e-holder@local\\).*; ${LIVE_DB} was not changed`, 'm'));
    const safety = /safety backup: (\S+)/.exec(r.stdout)?.[1];
    expect(safety).toMatch(new RegExp(`^${LIVE_DB}-\\d{8}T\\d{6}Z$`));
    expect(r.stdout).toContain(`to go back to the state before the restore: opsdeck restore ${safety} --host lab --live --confirm ${LIVE_DB}`);
    await labPsql(lab, 'postgres', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'opsdeck-e2e-holder';\n");
    await holder;
    expect(await count(LIVE_DB, 'items')).toBe(120);
    expect((await docker.getContainer(CLIENT).inspect()).State.Running).toBe(true);
  }, 90_000);
});
