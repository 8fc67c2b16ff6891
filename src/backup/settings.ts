/**
 * Backup settings with every default filled in: what the pipeline definition, the stores and
 * the commands work from. The defaults live here and nowhere else.
 */
import { RSYNC_DEST_RE, type BackupSettings, type Encryption, type RsyncTarget } from '../config/backup-settings-schema.js';

export const DEFAULT_RETENTION = { daily: 7, weekly: 4, monthly: 6 } as const;
export const DEFAULT_RPO_HOURS = 24;
export const DEFAULT_RSYNC_PORT = 23;
export const DEFAULT_HEALTH_TIMEOUT_S = 120;
export const DEFAULT_SESSION_WAIT_S = 60;
export const DEFAULT_BACKUP_ROOT = '/var/backups/opsdeck';

export interface Retention {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface ResolvedBackupSettings {
  postgres: { service: string; project: string | undefined; databases: string[]; user: string };
  directory: string;
  encryption: Encryption;
  rsync: (RsyncTarget & { port: number }) | undefined;
  downloadDirectory: string | undefined;
  retention: Retention;
  rpoHours: number;
  restore: { stopServices: string[] | undefined; healthTimeoutSeconds: number; sessionWaitSeconds: number };
  /** The Docker socket on the server (the profile's), passed to every docker call with -H. */
  dockerSocket: string;
}

export function defaultDirectory(s: Pick<BackupSettings['postgres'], 'project' | 'service'>): string {
  return `${DEFAULT_BACKUP_ROOT}/${s.project ?? s.service}`;
}

/**
 * `detectedUser` is the container's POSTGRES_USER when the settings name no role: the official
 * image's superuser, which is what `docker exec … pg_dump` can use over the local socket.
 */
export function resolveSettings(s: BackupSettings, dockerSocket: string, detectedUser?: string): ResolvedBackupSettings {
  return {
    postgres: { service: s.postgres.service, project: s.postgres.project, databases: [...s.postgres.databases], user: s.postgres.user ?? detectedUser ?? 'postgres' },
    directory: s.directory ?? defaultDirectory(s.postgres),
    encryption: s.encryption,
    rsync: s.offsite?.rsync ? { ...s.offsite.rsync, port: s.offsite.rsync.port ?? DEFAULT_RSYNC_PORT } : undefined,
    downloadDirectory: s.offsite?.download?.directory,
    retention: { ...DEFAULT_RETENTION, ...(s.retention ?? {}) },
    rpoHours: s.rpoHours ?? DEFAULT_RPO_HOURS,
    restore: {
      stopServices: s.restore?.stopServices,
      healthTimeoutSeconds: s.restore?.healthTimeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_S,
      sessionWaitSeconds: s.restore?.sessionWaitSeconds ?? DEFAULT_SESSION_WAIT_S,
    },
    dockerSocket,
  };
}

/** Where the storage box keeps this server's backups, split for ssh and rsync. */
export function rsyncParts(r: RsyncTarget): { userHost: string; path: string } {
  const m = RSYNC_DEST_RE.exec(r.destination);
  if (!m) throw new Error('rsync destination was not validated');
  return { userHost: `${m[1]}@${m[2]}`, path: m[3] ?? '' };
}
