/**
 * The `backup` section of a server profile (src/config/profile-schema.ts adds it as one optional
 * key). Every value here ends up in a generated shell script, a crontab line, an rsync `-e`
 * string or a file name, so the formats are deliberately narrower than what PostgreSQL or a
 * file system would accept: a value that passes needs no quoting anywhere, and quoting is still
 * applied everywhere (defence in depth). A passphrase is never part of this: only the path of a
 * file on the server that holds one.
 */
import { z } from 'zod';

/** Database names that are safe as file-name parts and pg_dump arguments. */
export const DB_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Compose service / container names (Docker allows [a-zA-Z0-9][a-zA-Z0-9_.-]). */
export const CONTAINER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const COMPOSE_PROJECT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const PG_USER_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** Absolute paths without spaces, quotes, `%` (crontab) or `..` segments. */
export const SERVER_PATH_RE = /^(?!.*\/\.\.(?:\/|$))\/[A-Za-z0-9._+@,=\/-]*$/;
/** rsync/ssh destination `user@host:path` (Hetzner Storage Box: uNNNNN@uNNNNN.your-storagebox.de:backups). */
export const RSYNC_DEST_RE = /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})@([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\]):((?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9._+@,=\/-]*)$/;
/** A full OpenPGP fingerprint (v4: 40 hex digits). Short key ids are ambiguous and refused. */
export const FINGERPRINT_RE = /^[0-9A-Fa-f]{40}$/;

const serverPath = (what: string) =>
  z
    .string({ error: `must be ${what}: an absolute path on the server` })
    .regex(SERVER_PATH_RE, { error: `must be ${what}: an absolute path of letters, digits and . _ - + @ , = / (no spaces, no '..')` });

const count = (what: string) =>
  z
    .number({ error: `must be the number of ${what} to keep (0-1000)` })
    .int({ error: `must be a whole number of ${what} (0-1000)` })
    .min(0, { error: `must be 0-1000 ${what}` })
    .max(1000, { error: `must be 0-1000 ${what}` });

export const PostgresTargetSchema = z.strictObject({
  /** Compose service name of the PostgreSQL container (or a plain container name without compose). */
  service: z.string({ error: 'must be a compose service or container name' }).regex(CONTAINER_NAME_RE, { error: 'must be a compose service or container name' }),
  /** Compose project; when absent the service name must be unique on the server. */
  project: z.string().regex(COMPOSE_PROJECT_RE, { error: 'compose project names are lower-case letters, digits, dash and underscore' }).optional(),
  databases: z
    .array(z.string().regex(DB_NAME_RE, { error: 'database names for backups use letters, digits and underscore (at most 63)' }), {
      error: 'must be a list of database names',
    })
    .min(1, { error: 'needs at least one database' })
    .max(32, { error: 'at most 32 databases' }),
  /** The database role pg_dump connects as (default: the container's POSTGRES_USER, else postgres). */
  user: z.string().regex(PG_USER_RE, { error: 'must be a plain PostgreSQL role name' }).optional(),
});

export const EncryptionSchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({
      /** gpg public-key encryption: the server holds only the public key and cannot read its own backups. */
      mode: z.literal('public-key'),
      /** An exported public key (gpg --export --armor) on the server; no keyring needed. */
      recipientFile: serverPath('a public key file').optional(),
      /** Or a fingerprint of a key in the deploy user's keyring. */
      recipient: z.string().regex(FINGERPRINT_RE, { error: 'must be a full 40-hex-digit key fingerprint' }).optional(),
    }),
    z.strictObject({
      /** gpg symmetric AES256 with the passphrase in a file on the server (mode 600), read through a file descriptor. */
      mode: z.literal('passphrase-file'),
      passphraseFile: serverPath('the passphrase file'),
    }),
  ],
  { error: 'mode must be "public-key" or "passphrase-file"' },
);

export const RsyncTargetSchema = z.strictObject({
  /** user@host:path on the storage box. */
  destination: z.string().regex(RSYNC_DEST_RE, { error: 'must be user@host:path (no spaces, no ..)' }),
  /** Hetzner Storage Boxes speak rsync over SSH on port 23. */
  port: z.number().int().min(1).max(65535, { error: 'must be a port number 1-65535' }).optional(),
  /** The private key on the server that the storage box accepts. */
  identityFile: serverPath('the SSH key file for the storage box'),
  /** known_hosts on the server with the storage box's host key (default: the deploy user's). */
  knownHostsFile: serverPath('a known_hosts file').optional(),
});

export const BackupSettingsSchema = z.strictObject({
  postgres: PostgresTargetSchema,
  /** Backup directory on the server (default /var/backups/opsdeck/PROJECT), kept at mode 700. */
  directory: serverPath('the backup directory').optional(),
  encryption: EncryptionSchema.refine((e) => e.mode !== 'public-key' || (e.recipient === undefined) !== (e.recipientFile === undefined), {
    error: 'public-key encryption needs exactly one of "recipientFile" or "recipient"',
  }),
  offsite: z
    .strictObject({
      rsync: RsyncTargetSchema.optional(),
      /** A directory on the operator's machine that `opsdeck backup download` copies to. */
      download: z.strictObject({ directory: z.string().min(1, { error: 'must be a directory' }) }).optional(),
    })
    .optional(),
  /** Grandfather-father-son: the newest backup of each of the last N days / weeks / months. */
  retention: z.strictObject({ daily: count('daily backups').optional(), weekly: count('weekly backups').optional(), monthly: count('monthly backups').optional() }).optional(),
  /** Recovery point objective: warn when the newest verified backup is older (default 24). */
  rpoHours: z.number({ error: 'must be a number of hours' }).positive({ error: 'must be more than 0 hours' }).max(24 * 366).optional(),
  restore: z
    .strictObject({
      /** Compose services (or container names) stopped during a live restore (default: those that depend_on the database service). */
      stopServices: z.array(z.string().regex(CONTAINER_NAME_RE, { error: 'must be a service or container name' })).optional(),
      /** How long to wait for restarted services to become healthy (default 120). */
      healthTimeoutSeconds: z.number().int().min(5).max(3600).optional(),
      /** After stopping the services, how long to wait for other sessions to leave the database (default 60). */
      sessionWaitSeconds: z.number().int().min(1).max(3600).optional(),
    })
    .optional(),
});

export type BackupSettings = z.infer<typeof BackupSettingsSchema>;
export type Encryption = z.infer<typeof EncryptionSchema>;
export type RsyncTarget = z.infer<typeof RsyncTargetSchema>;
