/**
 * Backups against the lab's real PostgreSQL 15, over opsdeck's own SSH transport, with the
 * server being the lab host as the deploy user (its gpg, its crontab). Each test works in its
 * own temporary backup directory and on databases of its own (opsdeck_e2e_*).
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { startStorageBox, type StorageBox } from '../lab/storage-box.js';
import {
  backupContext,
  backupFiles,
  cli,
  cliProcessArgv,
  createSlowDatabase,
  createTestDatabase,
  dropTestDatabase,
  idsIn,
  labPsql,
  makeBackupArea,
  openConnection,
  settingsFor,
  writeDeployFile,
  writeProfile,
  type BackupArea,
} from './backup-helpers.js';
import { runBackup } from '../../src/backup/backup-run.js';
import { planRetention } from '../../src/backup/retention.js';
import { generateScript } from '../../src/backup/script.js';
import { version } from '../../src/version.js';
import type { BackupSettings } from '../../src/config/backup-settings-schema.js';

const DB = 'opsdeck_e2e_backup';
const SLOW_DB = 'opsdeck_e2e_slow';
let lab: LabInfo;
const areas: BackupArea[] = [];

function area(name: string): BackupArea {
  const a = makeBackupArea(lab, name);
  areas.push(a);
  return a;
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function manifestOf(a: BackupArea, id: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(a.dir, `${id}.manifest.json`), 'utf8')) as Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** gpg starts an agent for a home directory it uses: stop ours, then remove the directory. */
function stopGpgAgent(home: string): void {
  try {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  lab = await requireLab();
  await createTestDatabase(lab, DB, { alpha: 1000, beta: 50 });
  // 150k rows of random text: a dump that takes a few seconds on the lab's one-CPU PostgreSQL.
  await createSlowDatabase(lab, SLOW_DB, 150_000);
}, 180_000);

afterAll(async () => {
  for (const a of areas) a.cleanup();
  await dropTestDatabase(lab, DB);
  await dropTestDatabase(lab, SLOW_DB);
});

describe('backup run, verify, list', () => {
  let a: BackupArea;
  let id: string;

  it('backs up with pg_dump | gpg on the server, verifies, and writes a manifest', async () => {
    a = area('run');
    writeProfile(lab, a, settingsFor(a, [DB]));
    const r = await cli(lab, a, ['backup', 'run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { status: string; backups: { id: string; bytes: number; sha256: string }[] };
    expect(out.status).toBe('ok');
    expect(out.backups).toHaveLength(1);
    id = out.backups[0]!.id;
    expect(id).toMatch(new RegExp(`^${DB}-\\d{8}T\\d{6}Z$`));
    // Exactly the backup and its manifest; no partial or plaintext file anywhere.
    expect(backupFiles(a)).toEqual([`${id}.dump.gpg`, `${id}.manifest.json`]);
    expect(fs.readdirSync(path.join(a.dir, '.incoming'))).toEqual([]);
    expect(fs.statSync(a.dir).mode & 0o777).toBe(0o700);
    const file = path.join(a.dir, `${id}.dump.gpg`);
    const m = manifestOf(a, id);
    expect(m).toMatchObject({ id, database: DB, container: lab.postgres.container, image: lab.postgres.image, encryption: 'passphrase-file', verified: true, tables: 2, liveTables: 2, trigger: 'opsdeck' });
    expect(m.encryptedBytes).toBe(fs.statSync(file).size);
    expect(m.sha256).toBe(sha256(file));
    expect(out.backups[0]!.sha256).toBe(sha256(file));
    expect(String(m.serverVersion)).toMatch(/^15\./);
    expect(Number(m.plainBytes)).toBeGreaterThan(1000);
    expect(Number(m.durationMs)).toBeGreaterThan(0);
    expect(Date.parse(String(m.startedAt))).toBeGreaterThan(Date.now() - 10 * 60_000);
    // What is on disk is a gpg message encrypted with AES256 to the passphrase (not a plain dump).
    expect(fs.readFileSync(file).subarray(0, 5).toString('latin1')).not.toBe('PGDMP');
    const home = fs.mkdtempSync('/tmp/opsdeck-e2e-gnupg-');
    try {
      const packets = execFileSync('gpg', ['--batch', '--list-packets', '--pinentry-mode', 'loopback', '--passphrase-file', a.passFile, '--homedir', home, file], { encoding: 'utf8' });
      expect(packets).toMatch(/symkey enc packet: version \d, cipher 9/);
    } finally {
      stopGpgAgent(home);
    }
  });

  it('verifies the backup again and lists it as verified with the RPO met', async () => {
    const v = await cli(lab, a, ['backup', 'verify', id]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain(`${id}: verified`);
    const l = await cli(lab, a, ['backup', 'list', '--json']);
    expect(l.code, l.stderr).toBe(0);
    const list = JSON.parse(l.stdout) as { rpo: { breached: boolean; newestVerified: string }; backups: { id: string; verified: boolean; bytes: number }[]; lastRun: { exitCode: number } };
    expect(list.rpo).toMatchObject({ breached: false, newestVerified: id });
    expect(list.backups.map((b) => [b.id, b.verified])).toEqual([[id, true]]);
    expect(list.lastRun.exitCode).toBe(0);
    const text = await cli(lab, a, ['backup', 'list']);
    expect(text.stdout).toMatch(new RegExp(`^${id}\\s+\\S+ ago\\s+[\\d.]+ KiB\\s+yes \\(again\\)`, 'm'));
    expect(text.stdout).toContain('RPO ok');
  });

  it('fails verify for a flipped byte, by sha256 and by gpg itself, and passes again once repaired', async () => {
    const file = path.join(a.dir, `${id}.dump.gpg`);
    const original = fs.readFileSync(file);
    const flipped = Buffer.from(original);
    const at = Math.floor(flipped.length / 2);
    flipped[at] = flipped[at]! ^ 0x01;
    writeDeployFile(lab, file, flipped);
    const v = await cli(lab, a, ['backup', 'verify', id]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/FAILED: .*does not match its manifest/);
    const l = await cli(lab, a, ['backup', 'list', '--json']);
    expect(l.code).toBe(1); // no verified backup left: the RPO is breached
    expect((JSON.parse(l.stdout) as { backups: { verified: boolean }[] }).backups[0]!.verified).toBe(false);
    // Even with a manifest that agrees with the damaged file, gpg's integrity check refuses it.
    const manifestFile = path.join(a.dir, `${id}.manifest.json`);
    const manifest = fs.readFileSync(manifestFile, 'utf8');
    writeDeployFile(lab, manifestFile, manifest.replace(/"sha256": "[0-9a-f]+"/, `"sha256": "${sha256(file)}"`));
    const v2 = await cli(lab, a, ['backup', 'verify', id]);
    expect(v2.code).toBe(1);
    expect(v2.stdout).toMatch(/does not decrypt and list|damaged/);
    writeDeployFile(lab, file, original);
    writeDeployFile(lab, manifestFile, manifest);
    const v3 = await cli(lab, a, ['backup', 'verify', id]);
    expect(v3.code, v3.stdout).toBe(0);
  });
});

describe('public-key encryption (the server cannot read its own backups)', () => {
  it('encrypts to the public key, checks the plaintext with pg_restore --list on its way to gpg, and only the private key opens it', async () => {
    const a = area('pubkey');
    // The operator's key pair lives here, with the test; the server gets only the public key.
    const home = fs.mkdtempSync('/tmp/opsdeck-e2e-operator-gnupg-');
    fs.chmodSync(home, 0o700);
    const gpg = (args: string[], input?: Buffer) => execFileSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { input, maxBuffer: 64 * 1024 * 1024 });
    try {
      gpg(['--quick-gen-key', 'opsdeck e2e <backup@example.com>', 'future-default', 'default', 'never']);
      const pub = path.join(a.root, 'backup.pub.asc');
      writeDeployFile(lab, pub, gpg(['--armor', '--export', 'backup@example.com']), 0o644);
      writeProfile(lab, a, { ...settingsFor(a, [DB]), encryption: { mode: 'public-key', recipientFile: pub } });
      const r = await cli(lab, a, ['backup', 'run', '--json']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const id = (JSON.parse(r.stdout) as { backups: { id: string }[] }).backups[0]!.id;
      expect(manifestOf(a, id)).toMatchObject({ encryption: 'public-key', verified: true, tables: 2, liveTables: 2 });
      expect(Number(manifestOf(a, id).tocEntries)).toBeGreaterThan(4);
      // The server's own passphrase-less gpg cannot open it; the operator's private key can.
      const plain = gpg(['--decrypt', path.join(a.dir, `${id}.dump.gpg`)]);
      expect(plain.subarray(0, 5).toString('latin1')).toBe('PGDMP');
      // A later verify compares the sha256 with the manifest (the server cannot decrypt).
      expect((await cli(lab, a, ['backup', 'verify', id])).code).toBe(0);
      const restore = await cli(lab, a, ['restore', id, '--scratch']);
      expect(restore.code).toBe(2);
      expect(restore.stderr).toContain('this profile encrypts backups to a public key: the server cannot decrypt them, so it cannot restore them');
      const dl = fs.mkdtempSync('/tmp/opsdeck-e2e-download-');
      try {
        const d = await cli(lab, a, ['backup', 'download', id, '--to', dl]);
        expect(d.code, d.stderr).toBe(0);
        expect(sha256(path.join(dl, `${id}.dump.gpg`))).toBe(manifestOf(a, id).sha256);
        expect(fs.statSync(path.join(dl, `${id}.dump.gpg`)).mode & 0o777).toBe(0o600);
      } finally {
        fs.rmSync(dl, { recursive: true, force: true });
      }
    } finally {
      stopGpgAgent(home);
    }
  });
});

describe('failures are clear, remove partial files and leave earlier backups alone', () => {
  it('refuses a missing passphrase file and one readable by others, naming the file', async () => {
    const a = area('nopass');
    const missing = path.join(a.root, 'nope.pass');
    writeProfile(lab, a, { ...settingsFor(a, [DB]), encryption: { mode: 'passphrase-file', passphraseFile: missing } });
    const r = await cli(lab, a, ['backup', 'run']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`opsdeck: backup failed: step 'preflight' (check tools and the encryption key) failed: the passphrase file ${missing} does not exist on the server`);
    expect(idsIn(a)).toEqual([]);
    fs.chmodSync(a.passFile, 0o640);
    writeProfile(lab, a, settingsFor(a, [DB]));
    const r2 = await cli(lab, a, ['backup', 'run']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`the passphrase file ${a.passFile} is readable by other users (chmod 600 it)`);
    expect(idsIn(a)).toEqual([]);
  });

  it('says "wrong passphrase" when the passphrase file no longer opens a backup', async () => {
    const a = area('wrongpass');
    writeProfile(lab, a, settingsFor(a, [DB]));
    expect((await cli(lab, a, ['backup', 'run'])).code).toBe(0);
    const [id] = idsIn(a);
    writeDeployFile(lab, a.passFile, 'a different passphrase\n');
    const v = await cli(lab, a, ['backup', 'verify', id!]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`wrong passphrase: ${a.passFile} does not decrypt this backup`);
    expect(v.stdout).not.toContain('a different passphrase');
  });

  it('fails the run when pg_dump fails (wrong database name), although gpg succeeded', async () => {
    const a = area('baddb');
    writeProfile(lab, a, settingsFor(a, [DB]));
    expect((await cli(lab, a, ['backup', 'run'])).code).toBe(0);
    const before = backupFiles(a).map((f) => [f, sha256(path.join(a.dir, f))]);
    writeProfile(lab, a, settingsFor(a, ['opsdeck_e2e_no_such_db']));
    const r = await cli(lab, a, ['backup', 'run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^opsdeck: backup failed: step 'dump' \(dump the database and encrypt it on the server\) failed: pg_dump \| gpg failed: .*database "opsdeck_e2e_no_such_db" does not exist/);
    expect(backupFiles(a).map((f) => [f, sha256(path.join(a.dir, f))])).toEqual(before);
    expect(fs.readdirSync(path.join(a.dir, '.incoming'))).toEqual([]);
    const status = JSON.parse(fs.readFileSync(path.join(a.dir, '.opsdeck/last-run.json'), 'utf8')) as { exitCode: number; failedStep: string };
    expect(status).toMatchObject({ exitCode: 2, failedStep: 'dump' });
  });

  it('killing opsdeck part-way through the dump leaves no partial file, no pg_dump session, and the earlier backups intact', async () => {
    const a = area('kill');
    writeProfile(lab, a, settingsFor(a, [DB]));
    expect((await cli(lab, a, ['backup', 'run'])).code).toBe(0);
    const before = backupFiles(a).map((f) => [f, sha256(path.join(a.dir, f))]);
    writeProfile(lab, a, settingsFor(a, [DB, SLOW_DB]));
    const child = spawn(process.execPath, cliProcessArgv(lab, a, ['backup', 'run']), { stdio: 'ignore' });
    // Wait until the slow database's dump is being written, then kill opsdeck outright.
    const incoming = path.join(a.dir, '.incoming');
    const partialSize = () => {
      for (const d of fs.existsSync(incoming) ? fs.readdirSync(incoming) : []) {
        const f = path.join(incoming, d, 'dump.partial');
        if (d.startsWith(SLOW_DB) && fs.existsSync(f)) return fs.statSync(f).size;
      }
      return 0;
    };
    for (let i = 0; i < 600 && partialSize() === 0; i++) await sleep(50);
    expect(partialSize()).toBeGreaterThan(0);
    child.kill('SIGKILL');
    for (let i = 0; i < 200 && fs.readdirSync(incoming).length > 0; i++) await sleep(50);
    expect(fs.readdirSync(incoming)).toEqual([]);
    // The first database's backup of that run may have been committed before the kill: it is
    // complete and verified then. Nothing of the slow database, and the earlier files unchanged.
    const after = backupFiles(a);
    expect(after.filter((f) => f.startsWith(SLOW_DB))).toEqual([]);
    for (const [f, h] of before) expect(sha256(path.join(a.dir, f!))).toBe(h);
    for (let i = 0; i < 100; i++) {
      const status = fs.existsSync(path.join(a.dir, '.opsdeck/last-run.json')) ? (JSON.parse(fs.readFileSync(path.join(a.dir, '.opsdeck/last-run.json'), 'utf8')) as { exitCode: number }) : undefined;
      if (status?.exitCode === 143) break;
      await sleep(50);
    }
    expect((JSON.parse(fs.readFileSync(path.join(a.dir, '.opsdeck/last-run.json'), 'utf8')) as { exitCode: number }).exitCode).toBe(143);
    const sessions = await labPsql(lab, 'postgres', "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'opsdeck-backup-%';\n");
    expect(sessions.trim()).toBe('0');
  });

  it('cancelling a run (AbortSignal) stops it on the server and removes its partial files', async () => {
    const a = area('cancel');
    const settings = settingsFor(a, [SLOW_DB]);
    writeProfile(lab, a, settings);
    const conn = await openConnection(lab, a);
    try {
      const ctx = await backupContext(conn, settings);
      const stop = new AbortController();
      let sawBytes = false;
      const o = await runBackup(ctx, {
        signal: stop.signal,
        onEvent: (e) => {
          if (e.kind === 'bytes' && e.bytes > 0 && !sawBytes) {
            sawBytes = true;
            stop.abort();
          }
        },
      });
      expect(sawBytes).toBe(true);
      expect(o.status).toBe('cancelled');
      expect(o.exitCode).toBe(2);
      expect(o.message).toContain('cancelled');
      expect(fs.readdirSync(path.join(a.dir, '.incoming'))).toEqual([]);
      expect(idsIn(a)).toEqual([]);
    } finally {
      await conn.close();
    }
  });
});

describe('retention (grandfather-father-son) with injected dates', () => {
  it('keeps exactly the newest of each day, week and month, and never the newest verified backup', async () => {
    const a = area('retention');
    const settings: BackupSettings = { ...settingsFor(a, [DB]), retention: { daily: 3, weekly: 2, monthly: 2 } };
    writeProfile(lab, a, settings);
    const conn = await openConnection(lab, a);
    let realId: string;
    try {
      // One real backup, dated by injection.
      const o = await runBackup(await backupContext(conn, settings), { stamp: '20260320T030000Z' });
      expect(o.status, o.message).toBe('ok');
      realId = o.backups[0]!.id;
    } finally {
      await conn.close();
    }
    expect(realId).toBe(`${DB}-20260320T030000Z`);
    // More backups of other dates: copies of the real one under their own ids.
    const stamps = { B: '20260320T010000Z', C: '20260319T030000Z', D: '20260318T030000Z', E: '20260317T030000Z', F: '20260310T030000Z', G: '20260227T030000Z', H: '20260115T030000Z', I: '20260321T030000Z' };
    const dump = fs.readFileSync(path.join(a.dir, `${realId}.dump.gpg`));
    const manifest = fs.readFileSync(path.join(a.dir, `${realId}.manifest.json`), 'utf8');
    for (const stamp of Object.values(stamps)) {
      const id = `${DB}-${stamp}`;
      writeDeployFile(lab, path.join(a.dir, `${id}.dump.gpg`), dump);
      writeDeployFile(lab, path.join(a.dir, `${id}.manifest.json`), manifest.replace(realId, id));
    }
    // The newest one failed a later verification: it fills no slot, but is newer than every good one.
    writeDeployFile(lab, path.join(a.dir, `${DB}-${stamps.I}.verify.json`), '{\n  "checkedAt": "2026-03-21T04:00:00Z",\n  "ok": false,\n  "failedStep": "reverify",\n  "message": "x"\n}\n');
    const A = realId;
    const id = (k: keyof typeof stamps) => `${DB}-${stamps[k]}`;
    // Worked out by hand: A newest+daily+weekly+monthly; C, D daily; F weekly; G monthly; I unverified but newer.
    const keep = [A, id('C'), id('D'), id('F'), id('G'), id('I')].sort();
    const remove = [id('B'), id('E'), id('H')].sort();
    const all = [...keep, ...remove];
    const plan = planRetention(all.map((x) => ({ id: x, verified: x !== id('I') })), { daily: 3, weekly: 2, monthly: 2 });
    expect(plan.filter((p) => p.keep).map((p) => p.id).sort()).toEqual(keep);

    const dry = await cli(lab, a, ['backup', 'prune', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const dryOut = JSON.parse(dry.stdout) as { pruned: string[]; kept: { id: string; reasons: string[] }[] };
    expect(dryOut.pruned.sort()).toEqual(remove);
    expect(dryOut.kept.find((k) => k.id === A)?.reasons).toEqual(['newest', 'daily', 'weekly', 'monthly']);
    expect(idsIn(a)).toEqual(all.sort());

    const real = await cli(lab, a, ['backup', 'prune']);
    expect(real.code, real.stderr).toBe(0);
    expect(idsIn(a)).toEqual(keep);
    expect(backupFiles(a).filter((f) => remove.some((r) => f.startsWith(r)))).toEqual([]);
  });
});

describe('off-site copy to a storage box (a second sshd on another loopback port)', () => {
  let box: StorageBox;
  beforeAll(async () => {
    box = await startStorageBox(lab);
  });
  afterAll(async () => {
    await box?.stop();
  });

  it('copies each backup with rsync and compares sha256 on the far side', async () => {
    const a = area('offsite');
    writeProfile(lab, a, settingsFor(a, [DB], { offsite: { rsync: { destination: box.destination, port: box.port, identityFile: box.clientKey, knownHostsFile: box.knownHosts } } }));
    const r = await cli(lab, a, ['backup', 'run', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as { backups: { id: string }[]; offsite: { id: string; compared: string }[] };
    const id = out.backups[0]!.id;
    expect(out.offsite).toEqual([{ id, compared: 'sha256' }]);
    expect(sha256(path.join(box.root, `${id}.dump.gpg`))).toBe(sha256(path.join(a.dir, `${id}.dump.gpg`)));
    expect(fs.readFileSync(path.join(box.root, `${id}.manifest.json`), 'utf8')).toBe(fs.readFileSync(path.join(a.dir, `${id}.manifest.json`), 'utf8'));
    const l = JSON.parse((await cli(lab, a, ['backup', 'list', '--json'])).stdout) as { backups: { id: string; offsite: { ok: boolean; compared: string } }[] };
    expect(l.backups[0]!.offsite).toMatchObject({ ok: true, compared: 'sha256' });
  });

  it('reports a failing off-site copy with exit 1 and keeps every local backup', async () => {
    const a = area('offsite-down');
    writeProfile(lab, a, settingsFor(a, [DB], { offsite: { rsync: { destination: box.destination, port: 22069, identityFile: box.clientKey, knownHostsFile: box.knownHosts } } }));
    const r = await cli(lab, a, ['backup', 'run']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/backed up, but: step 'offsite' .* failed: rsync to the storage box failed/);
    const [id] = idsIn(a);
    expect(JSON.parse(fs.readFileSync(path.join(a.dir, `${id}.offsite.json`), 'utf8'))).toMatchObject({ ok: false });
  });
});

describe('backup schedule: the generated script, run as cron runs it', () => {
  it('installs the script and a crontab line, and the line run without a TTY in a minimal environment makes a verified backup', async () => {
    const a = area('cron');
    const settings = settingsFor(a, [DB]);
    writeProfile(lab, a, settings);
    const conn = await openConnection(lab, a);
    let original = '';
    let hadCrontab = false;
    try {
      const before = await conn.exec(['crontab', '-l']);
      hadCrontab = before.code === 0;
      original = hadCrontab ? before.stdout : '';
      // Somebody else's line must survive schedule and unschedule.
      const foreign = '# a job that is not opsdeck\'s\n0 1 * * * true\n';
      expect((await conn.exec(['crontab', '-'], { stdin: original + foreign })).code).toBe(0);
      const s = await cli(lab, a, ['backup', 'schedule', '--cron', '5 4 * * *']);
      expect(s.code, s.stderr).toBe(0);
      const tab = (await conn.exec(['crontab', '-l'])).stdout;
      const line = tab.split('\n').find((l) => l.includes(`# opsdeck-backup ${a.dir}`));
      expect(line).toBeDefined();
      expect(tab).toContain(foreign);
      // The uploaded script is the generated one: the very text a live run sends.
      const ctx = await backupContext(conn, settings);
      const uploaded = fs.readFileSync(path.join(a.dir, '.opsdeck/backup.sh'), 'utf8');
      expect(uploaded).toBe(generateScript(ctx.settings, { version: version(), label: 'lab' }));
      expect(fs.statSync(path.join(a.dir, '.opsdeck/backup.sh')).mode & 0o777).toBe(0o700);
      execFileSync('shellcheck', ['-s', 'bash', path.join(a.dir, '.opsdeck/backup.sh')]);
      // As cron: /bin/sh -c COMMAND, a minimal environment, no TTY, stdin closed.
      const command = line!.trim().split(/\s+/).slice(5).join(' ');
      const r = await conn.exec(['env', '-i', 'HOME=/home/deploy', 'LOGNAME=deploy', 'PATH=/usr/bin:/bin', 'SHELL=/bin/sh', 'setsid', '/bin/sh', '-c', command], { stdin: '', timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      const [id] = idsIn(a);
      expect(manifestOf(a, id!)).toMatchObject({ verified: true, trigger: 'schedule' });
      expect(JSON.parse(fs.readFileSync(path.join(a.dir, '.opsdeck/last-schedule.json'), 'utf8'))).toMatchObject({ exitCode: 0, trigger: 'schedule', backups: [id] });
      const log = await cli(lab, a, ['backup', 'log']);
      expect(log.stdout).toContain('scheduled run');
      expect(log.stdout).toMatch(new RegExp(`backup\\s+${id}`));
      const list = await cli(lab, a, ['backup', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/schedule: 5 4 \* \* \*; last ran (just now|\d+s ago) and succeeded/);
      const u = await cli(lab, a, ['backup', 'unschedule']);
      expect(u.stdout).toBe('schedule removed\n');
      expect((await conn.exec(['crontab', '-l'])).stdout).toBe(original + foreign);
    } finally {
      // Leave the deploy user's crontab as it was (including not having one).
      await conn.exec(hadCrontab ? ['crontab', '-'] : ['crontab', '-r'], hadCrontab ? { stdin: original } : {});
      await conn.close();
    }
  });
});
