/**
 * `backup download` writes on the operator's machine: the dump through a .partial file that only
 * opsdeck may have created (O_EXCL, O_NOFOLLOW), the manifest through a temporary file renamed
 * into place. A link or file planted at either path must never be written through.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupContext } from '../../src/backup/backup-context.js';
import { downloadBackup } from '../../src/backup/download.js';
import { resolveSettings } from '../../src/backup/settings.js';
import type { ServerConnection } from '../../src/transport/connection.js';
import type { ExecResult, ExecStream } from '../../src/transport/exec-types.js';

const ID = 'shop-20260101T000000Z';
const DUMP = Buffer.from('encrypted bytes '.repeat(1000));
const MANIFEST = `${JSON.stringify({
  format: 'opsdeck-backup/1', id: ID, database: 'shop', container: 'shop-postgres-1', image: 'postgres:15', serverVersion: '15.7', encryption: 'passphrase-file',
  trigger: 'manual', startedAt: '2026-01-01T00:00:00Z', durationMs: 10, plainBytes: 100, encryptedBytes: DUMP.length,
  sha256: createHash('sha256').update(DUMP).digest('hex'), tocEntries: 3, tables: 1, liveTables: 1, verified: true, opsdeckVersion: '1', warnings: [],
}, null, 2)}\n`;

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-download-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A server that holds one backup: `cat` of its manifest, then a stream of its bytes. */
function ctx(): BackupContext {
  const conn = {
    target: { kind: 'ssh', label: 'prod', socketPath: '/var/run/docker.sock' },
    exec: async (): Promise<ExecResult> => ({ code: 0, stdout: MANIFEST, stderr: '' }) as ExecResult,
    execStream: async (): Promise<ExecStream> => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      setImmediate(() => {
        stdout.end(DUMP);
        stderr.end();
      });
      return { stdin: new PassThrough(), stdout, stderr, wait: async () => ({ code: 0 }), kill: () => undefined } as unknown as ExecStream;
    },
  } as unknown as ServerConnection;
  const settings = resolveSettings({ postgres: { service: 'postgres', databases: ['shop'], user: 'shop' }, directory: '/b', encryption: { mode: 'passphrase-file', passphraseFile: '/p' } }, '/var/run/docker.sock', 'shop');
  return { conn, settings, label: 'prod', version: '1', now: () => 0 };
}

describe('backup download', () => {
  it('writes the dump and its manifest, mode 600, and leaves no temporary file', async () => {
    const r = await downloadBackup(ctx(), ID, dir);
    expect(fs.readFileSync(r.file)).toEqual(DUMP);
    expect(fs.readFileSync(r.manifest, 'utf8')).toBe(MANIFEST);
    for (const f of [r.file, r.manifest]) expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).sort()).toEqual([`${ID}.dump.gpg`, `${ID}.manifest.json`]);
  });

  it('never opens a .partial that is already there (a link to another file): one line, the file untouched', async () => {
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'keep me\n');
    fs.symlinkSync(victim, path.join(dir, `${ID}.dump.gpg.partial`));
    await expect(downloadBackup(ctx(), ID, dir)).rejects.toThrow(`${dir}/${ID}.dump.gpg.partial already exists: another download is running, or one was cut off`);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(fs.lstatSync(path.join(dir, `${ID}.dump.gpg.partial`)).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(path.join(dir, `${ID}.dump.gpg`))).toBe(false);
  });

  it('replaces a manifest whole, by rename: a link or hard link at its path is not written through', async () => {
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'keep me\n');
    fs.symlinkSync(victim, path.join(dir, `${ID}.manifest.json`));
    const r = await downloadBackup(ctx(), ID, dir);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(fs.lstatSync(r.manifest).isFile()).toBe(true);
    expect(fs.readFileSync(r.manifest, 'utf8')).toBe(MANIFEST);

    fs.rmSync(r.manifest);
    fs.linkSync(victim, r.manifest);
    fs.rmSync(r.file);
    await downloadBackup(ctx(), ID, dir);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(fs.statSync(r.manifest).ino).not.toBe(fs.statSync(victim).ino);
  });
});
