/**
 * A copy on the operator's machine: the encrypted backup and its manifest streamed over the SSH
 * connection (still encrypted: opsdeck never decrypts here), written to a .partial file,
 * checked against the manifest's sha256 and size, then renamed into place.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BackupContext } from './backup-context.js';
import { BackupError } from './backup-error.js';
import { parseBackupId } from './backup-id.js';
import { ManifestSchema, parseJsonFile } from './manifest.js';
import { lastLine } from './server-files.js';
import { sanitise } from '../text/sanitise.js';

export interface DownloadResult {
  file: string;
  manifest: string;
  bytes: number;
  sha256: string;
}

export async function downloadBackup(ctx: BackupContext, id: string, directory: string, onBytes?: (n: number) => void): Promise<DownloadResult> {
  if (!parseBackupId(id)) throw new BackupError(`'${id}' is not a backup id`);
  const remote = `${ctx.settings.directory}/${id}`;
  const m = await ctx.conn.exec(['cat', '--', `${remote}.manifest.json`], { timeoutMs: 60_000, maxBuffer: 1024 * 1024 });
  if (m.code !== 0) throw new BackupError(`no manifest for ${id} on the server: ${sanitise(lastLine(m.stderr))}`, { hint: "See 'opsdeck backup list'." });
  const manifest = parseJsonFile(ManifestSchema, m.stdout);
  if (!manifest || manifest.id !== id) throw new BackupError(`the manifest of ${id} on the server is not valid`);
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
  const file = path.join(directory, `${id}.dump.gpg`);
  const partial = `${file}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  const out = fs.createWriteStream('', { fd: createExclusive(partial) });
  try {
    const stream = await ctx.conn.execStream(['cat', '--', `${remote}.dump.gpg`]);
    stream.stdin.end();
    const errs: Buffer[] = [];
    stream.stderr.on('data', (c: Buffer) => errs.push(c));
    stream.stdout.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
      onBytes?.(bytes);
    });
    stream.stdout.pipe(out);
    const [r] = await Promise.all([stream.wait(), new Promise<void>((res, rej) => out.on('finish', res).on('error', rej))]);
    if (r.code !== 0) throw new BackupError(`cannot read ${id} on the server: ${sanitise(lastLine(Buffer.concat(errs).toString('utf8')))}`);
    const sha256 = hash.digest('hex');
    if (sha256 !== manifest.sha256 || bytes !== manifest.encryptedBytes) {
      throw new BackupError(`the downloaded ${id} does not match its manifest (${bytes} bytes, sha256 ${sha256.slice(0, 12)}…)`, { exitCode: 1 });
    }
    const fd = fs.openSync(partial, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(partial, file);
    const manifestFile = path.join(directory, `${id}.manifest.json`);
    writeAtomically(manifestFile, m.stdout);
    return { file, manifest: manifestFile, bytes, sha256 };
  } catch (err) {
    out.destroy();
    fs.rmSync(partial, { force: true });
    throw err;
  }
}

/**
 * A new file, created here and nowhere else: O_EXCL so that a file (or a link to one) already
 * at that path is never opened and written through, O_NOFOLLOW for a link at the last step.
 */
function createExclusive(file: string): number {
  try {
    return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BackupError(`${file} already exists: another download is running, or one was cut off`, { hint: 'Remove it and try again.' });
    throw new BackupError(`cannot create ${file}: ${code ?? (err as Error).message}`);
  }
}

/** The whole text or nothing: written to a new temporary file, flushed, then renamed into place. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.partial`;
  const fd = createExclusive(tmp);
  try {
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
