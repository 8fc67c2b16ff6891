/**
 * Shared by the backup e2e tests: a temporary backup area owned by the deploy user (the lab host
 * is the "server"), a profile store naming it, the CLI run in-process through opsdeck's own SSH
 * transport, a connection for the library calls, and databases of our own on the lab's
 * PostgreSQL (never `shop`'s data; nothing the lab owns is dropped).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { labExec, type LabInfo } from '../lab/api.js';
import { main } from '../../src/cli/main.js';
import { createBackupContext, type BackupContext } from '../../src/backup/backup-context.js';
import type { BackupSettings } from '../../src/config/backup-settings-schema.js';
import { ProfileStore } from '../../src/config/profile-store.js';
import { connect, type ServerConnection } from '../../src/transport/connection.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';

export const PROFILE = 'lab';

export interface BackupArea {
  /** Deploy-owned, mode 700: backups, passphrase files, the storage box key go below. */
  root: string;
  /** The backup directory the settings name (created by the first run, mode 700). */
  dir: string;
  passFile: string;
  /** Profile store (root-owned; the CLI runs as us). */
  config: string;
  cleanup(): void;
}

export function deployIds(lab: LabInfo): { uid: number; gid: number } {
  const u = lab.sshd.user;
  return { uid: Number(execFileSync('id', ['-u', u], { encoding: 'utf8' }).trim()), gid: Number(execFileSync('id', ['-g', u], { encoding: 'utf8' }).trim()) };
}

/** Write a file as the deploy user would own it. */
export function writeDeployFile(lab: LabInfo, file: string, content: string | Buffer, mode = 0o600): void {
  fs.writeFileSync(file, content, { mode });
  const ids = deployIds(lab);
  fs.chownSync(file, ids.uid, ids.gid);
  fs.chmodSync(file, mode);
}

export function makeBackupArea(lab: LabInfo, name: string): BackupArea {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `opsdeck-e2e-${name}-`));
  const ids = deployIds(lab);
  fs.chownSync(root, ids.uid, ids.gid);
  fs.chmodSync(root, 0o700);
  const passFile = path.join(root, 'backup.pass');
  writeDeployFile(lab, passFile, `e2e ${name} ${Math.random().toString(36).slice(2)} "quoted" $HOME\n`);
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), `opsdeck-e2e-${name}-cfg-`));
  return {
    root,
    dir: path.join(root, 'backups'),
    passFile,
    config: path.join(cfgDir, 'config.json'),
    cleanup: () => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(cfgDir, { recursive: true, force: true });
    },
  };
}

export function writeProfile(lab: LabInfo, area: BackupArea, backup: BackupSettings): void {
  fs.rmSync(area.config, { force: true });
  const store = new ProfileStore({ configPath: area.config });
  store.add({ name: PROFILE, ssh: { host: lab.sshd.hostAlias }, socket: lab.docker.socketPath, backup }, { replace: true, makeDefault: true });
}

export function settingsFor(area: BackupArea, databases: string[], extra: Partial<BackupSettings> = {}): BackupSettings {
  return {
    postgres: { service: 'postgres', project: 'shop', databases },
    directory: area.dir,
    encryption: { mode: 'passphrase-file', passphraseFile: area.passFile },
    ...extra,
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(lab: LabInfo, area: BackupArea, args: string[]): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main([...args, '--host', PROFILE, '--config', area.config, '--ssh-config', lab.sshd.sshConfigPath], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { HOME: '/nonexistent', PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  return { code, stdout: out, stderr: err };
}

/** The argv for the CLI as a separate process (to kill it). */
export function cliProcessArgv(lab: LabInfo, area: BackupArea, args: string[]): string[] {
  return ['--import', 'tsx', path.resolve('bin/opsdeck.ts'), ...args, '--host', PROFILE, '--config', area.config, '--ssh-config', lab.sshd.sshConfigPath];
}

export async function openConnection(lab: LabInfo, area: BackupArea): Promise<ServerConnection> {
  const target = await resolveTarget({ host: PROFILE, config: area.config, 'ssh-config': lab.sshd.sshConfigPath }, { HOME: '/nonexistent' });
  return connect(target, refusingPrompter, { reconnect: false });
}

export async function backupContext(conn: ServerConnection, settings: BackupSettings): Promise<BackupContext> {
  return createBackupContext(conn, settings, PROFILE, { version: 'e2e' });
}

async function psql(lab: LabInfo, db: string, sql: string): Promise<string> {
  const r = await labExec(lab.postgres.container, ['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', lab.postgres.user, '-d', db], { input: sql });
  if (r.code !== 0) throw new Error(`psql on ${db} failed: ${r.stderr}`);
  return r.stdout;
}

export { psql as labPsql };

/** A database of ours, (re)created with known row counts. Names must start with opsdeck_e2e_. */
export async function createTestDatabase(lab: LabInfo, name: string, tables: Record<string, number>): Promise<void> {
  if (!name.startsWith('opsdeck_e2e_')) throw new Error('test databases are named opsdeck_e2e_*');
  await psql(lab, 'postgres', `DROP DATABASE IF EXISTS ${name};\nCREATE DATABASE ${name};\n`);
  const sql = Object.entries(tables)
    .map(([t, n]) => `CREATE TABLE ${t} (id bigint PRIMARY KEY, note text NOT NULL);\nINSERT INTO ${t} SELECT g, md5(g::text) FROM generate_series(1, ${n}) g;\n`)
    .join('');
  await psql(lab, name, sql);
}

/** A database whose dump takes a few seconds (random, barely compressible rows). */
export async function createSlowDatabase(lab: LabInfo, name: string, rows: number): Promise<void> {
  if (!name.startsWith('opsdeck_e2e_')) throw new Error('test databases are named opsdeck_e2e_*');
  const exists = (await psql(lab, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${name}';\n`)).trim() === '1';
  if (exists && (await psql(lab, name, 'SELECT count(*) FROM blobs;\n').catch(() => '0')).trim() === String(rows)) return;
  await psql(lab, 'postgres', `DROP DATABASE IF EXISTS ${name};\nCREATE DATABASE ${name};\n`);
  await psql(lab, name, `CREATE TABLE blobs AS SELECT g AS id, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) AS payload FROM generate_series(1, ${rows}) g;\n`);
}

export async function dropTestDatabase(lab: LabInfo, name: string): Promise<void> {
  if (!name.startsWith('opsdeck_e2e_')) throw new Error('only opsdeck_e2e_* databases are dropped');
  await psql(lab, 'postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE);\n`);
}

export function backupFiles(area: BackupArea): string[] {
  return fs.existsSync(area.dir) ? fs.readdirSync(area.dir).filter((f) => !f.startsWith('.')).sort() : [];
}

export function idsIn(area: BackupArea): string[] {
  return backupFiles(area)
    .filter((f) => f.endsWith('.dump.gpg'))
    .map((f) => f.slice(0, -'.dump.gpg'.length));
}
