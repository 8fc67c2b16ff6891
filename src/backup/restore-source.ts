/**
 * Before any restore: find the backup (on the server, or fetched back from the off-site copy
 * into the backup directory) and verify it — sha256 against its manifest, decrypt, pg_restore
 * --list — with the generated script's own verify mode.
 */
import type { BackupContext } from './backup-context.js';
import { scriptFor } from './backup-context.js';
import { BackupError } from './backup-error.js';
import { failureLine, verifyBackup } from './backup-run.js';
import { parseBackupId } from './backup-id.js';
import { readListing, type BackupEntry } from './listing.js';
import { runScript } from './script-runner.js';

export type RestoreSourceStep = 'locate' | 'fetch' | 'verify';

export async function prepareRestoreSource(ctx: BackupContext, id: string, onStep?: (s: RestoreSourceStep) => void): Promise<BackupEntry & { fetched: boolean }> {
  if (!parseBackupId(id)) throw new BackupError(`'${id}' is not a backup id`, { hint: "Ids look like shop-20260101T031700Z; see 'opsdeck backup list'." });
  if (ctx.settings.encryption.mode !== 'passphrase-file') {
    throw new BackupError('this profile encrypts backups to a public key: the server cannot decrypt them, so it cannot restore them', {
      hint: 'Restore where the private key is: download the backup (opsdeck backup download ID) and run gpg --decrypt | pg_restore there.',
    });
  }
  onStep?.('locate');
  let entry = (await readListing(ctx.conn, ctx.settings)).backups.find((b) => b.id === id);
  let fetched = false;
  if (!entry || entry.bytes === undefined) {
    if (!ctx.settings.rsync) throw new BackupError(`no backup ${id} in ${ctx.settings.directory} on the server`, { hint: "See 'opsdeck backup list'." });
    onStep?.('fetch');
    const r = await runScript(ctx.conn, scriptFor(ctx), { args: ['--fetch', id] });
    if (r.code !== 0) throw new BackupError(`backup ${id} is not on the server, and fetching it from the off-site copy failed: ${failureLine(ctx, r).message}`);
    fetched = true;
    entry = (await readListing(ctx.conn, ctx.settings)).backups.find((b) => b.id === id);
    if (!entry || entry.bytes === undefined) throw new BackupError(`backup ${id} is still missing after fetching it from the off-site copy`);
  }
  onStep?.('verify');
  const v = await verifyBackup(ctx, id);
  if (!v.ok) throw new BackupError(`backup ${id} failed verification, so it will not be restored: ${v.message ?? 'unknown reason'}`, { exitCode: 1 });
  return { ...entry, fetched };
}
