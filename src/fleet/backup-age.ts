/**
 * The age of a server's newest verified backup against its RPO, read the way `opsdeck backup
 * list` reads it (one listing command over the connection). Undefined when the profile has no
 * backup section: the fleet shows "—" rather than inventing a target.
 */
import { createBackupContext } from '../backup/backup-context.js';
import { readListing, rpoState } from '../backup/listing.js';
import type { ServerConnection } from '../transport/connection.js';
import type { BackupAge } from '../model/fleet-view.js';

export async function readBackupAge(conn: ServerConnection, now: number): Promise<BackupAge | undefined> {
  const settings = conn.target.profile?.backup;
  if (!settings) return undefined;
  const ctx = await createBackupContext(conn, settings, conn.target.label, { now: () => now });
  const listing = await readListing(conn, ctx.settings);
  const rpo = rpoState(listing.backups, ctx.settings.rpoHours, now, ctx.settings.postgres.databases);
  return { ageMs: rpo.ageMs, rpoHours: rpo.targetHours, breached: rpo.breached };
}
