/**
 * Everything a backup operation needs: the connection, the settings with defaults filled in,
 * and the few things that vary in tests (clock, version). Built from a profile's `backup`
 * section and a ServerConnection; the PostgreSQL role defaults to the container's POSTGRES_USER.
 */
import type { ServerConnection } from '../transport/connection.js';
import { BackupError } from './backup-error.js';
import { findPostgresContainer } from './detect.js';
import { generateScript } from './script.js';
import { resolveSettings, type ResolvedBackupSettings } from './settings.js';
import { BackupSettingsSchema, type BackupSettings } from '../config/backup-settings-schema.js';

export interface BackupContext {
  conn: ServerConnection;
  settings: ResolvedBackupSettings;
  /** Profile or destination name, for messages and the script's header. */
  label: string;
  version: string;
  now: () => number;
}

export interface ContextOptions {
  version?: string;
  now?: () => number;
}

export async function createBackupContext(conn: ServerConnection, raw: BackupSettings | undefined, label: string, opts: ContextOptions = {}): Promise<BackupContext> {
  if (!raw) {
    throw new BackupError(`no backup settings for '${label}'`, {
      hint: `Set them up in the TUI (opsdeck --host ${label}, then the backup wizard), or add a "backup" section to the profile (opsdeck hosts show ${label}).`,
    });
  }
  const parsed = BackupSettingsSchema.parse(raw);
  let user = parsed.postgres.user;
  if (user === undefined) {
    // Only the role name is read from the container; nothing else of its environment is kept.
    const found = await findPostgresContainer(conn.docker, parsed.postgres).catch(() => undefined);
    user = found?.user;
  }
  const settings = resolveSettings(parsed, conn.target.socketPath, user);
  return { conn, settings, label, version: opts.version ?? 'dev', now: opts.now ?? Date.now };
}

export function scriptFor(ctx: BackupContext): string {
  return generateScript(ctx.settings, { version: ctx.version, label: ctx.label });
}
