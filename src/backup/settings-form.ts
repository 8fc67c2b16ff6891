/**
 * The backup settings as the wizard edits them: one text field per setting, parsed back into a
 * BackupSettings with the zod schema, each problem attached to its field. Pure functions.
 */
import type { PostgresCandidate } from './detect.js';
import { DEFAULT_RETENTION, DEFAULT_RPO_HOURS, DEFAULT_RSYNC_PORT, defaultDirectory } from './settings.js';
import { BackupSettingsSchema, type BackupSettings } from '../config/backup-settings-schema.js';

export const FIELD_KEYS = [
  'service', 'project', 'databases', 'user', 'directory', 'encryption', 'passphraseFile', 'recipientFile',
  'rsyncDestination', 'rsyncPort', 'rsyncIdentityFile', 'keepDaily', 'keepWeekly', 'keepMonthly', 'rpoHours', 'stopServices',
] as const;
export type FieldKey = (typeof FIELD_KEYS)[number];
export type Draft = Record<FieldKey, string>;

export interface FieldSpec {
  key: FieldKey;
  label: string;
  help: string;
  /** Shown only when it applies (the other encryption mode's file is hidden). */
  visible?: (d: Draft) => boolean;
  /** Fixed choices, cycled with enter instead of typed. */
  choices?: readonly string[];
}

export const FIELDS: readonly FieldSpec[] = [
  { key: 'service', label: 'PostgreSQL service', help: 'compose service (or container name) of the database' },
  { key: 'project', label: 'compose project', help: 'empty when the service name is unique' },
  { key: 'databases', label: 'databases', help: 'comma-separated' },
  { key: 'user', label: 'database role', help: "default: the container's POSTGRES_USER" },
  { key: 'directory', label: 'backup directory', help: 'on the server, kept at mode 700' },
  { key: 'encryption', label: 'encryption', help: 'public-key: the server cannot read its own backups (recommended)', choices: ['public-key', 'passphrase-file'] },
  { key: 'passphraseFile', label: 'passphrase file', help: 'a file on the server (mode 600); opsdeck never stores the passphrase', visible: (d) => d.encryption === 'passphrase-file' },
  { key: 'recipientFile', label: 'public key file', help: 'gpg --export --armor KEY, copied to the server', visible: (d) => d.encryption === 'public-key' },
  { key: 'rsyncDestination', label: 'off-site (rsync)', help: 'user@host:path of the storage box; empty for none' },
  { key: 'rsyncPort', label: 'off-site port', help: 'Hetzner Storage Box: 23', visible: (d) => d.rsyncDestination.trim() !== '' },
  { key: 'rsyncIdentityFile', label: 'off-site key', help: 'private key on the server for the storage box', visible: (d) => d.rsyncDestination.trim() !== '' },
  { key: 'keepDaily', label: 'keep daily', help: 'newest backup of each of the last N days' },
  { key: 'keepWeekly', label: 'keep weekly', help: 'newest backup of each of the last N weeks' },
  { key: 'keepMonthly', label: 'keep monthly', help: 'newest backup of each of the last N months' },
  { key: 'rpoHours', label: 'RPO (hours)', help: 'warn when the newest verified backup is older' },
  { key: 'stopServices', label: 'stop during restore', help: 'comma-separated services; empty: those that depend_on the database' },
];

export function visibleFields(d: Draft): FieldSpec[] {
  return FIELDS.filter((f) => !f.visible || f.visible(d));
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

/** A draft from saved settings, or from what detection found. */
export function draftFrom(settings: BackupSettings | undefined, detected?: PostgresCandidate): Draft {
  const s = settings;
  const service = s?.postgres.service ?? detected?.service ?? detected?.container ?? '';
  const project = s?.postgres.project ?? detected?.project ?? '';
  return {
    service,
    project,
    databases: (s?.postgres.databases ?? (detected?.database ? [detected.database] : [])).join(', '),
    user: s?.postgres.user ?? detected?.user ?? '',
    directory: s?.directory ?? (service ? defaultDirectory({ service, ...(project ? { project } : {}) }) : ''),
    encryption: s?.encryption.mode ?? 'public-key',
    passphraseFile: s?.encryption.mode === 'passphrase-file' ? s.encryption.passphraseFile : '',
    recipientFile: s?.encryption.mode === 'public-key' ? (s.encryption.recipientFile ?? '') : '',
    rsyncDestination: s?.offsite?.rsync?.destination ?? '',
    rsyncPort: String(s?.offsite?.rsync?.port ?? DEFAULT_RSYNC_PORT),
    rsyncIdentityFile: s?.offsite?.rsync?.identityFile ?? '',
    keepDaily: String(s?.retention?.daily ?? DEFAULT_RETENTION.daily),
    keepWeekly: String(s?.retention?.weekly ?? DEFAULT_RETENTION.weekly),
    keepMonthly: String(s?.retention?.monthly ?? DEFAULT_RETENTION.monthly),
    rpoHours: String(s?.rpoHours ?? DEFAULT_RPO_HOURS),
    stopServices: (s?.restore?.stopServices ?? []).join(', '),
  };
}

const num = (s: string) => (/^\s*\d+(\.\d+)?\s*$/.test(s) ? Number(s) : Number.NaN);

/** Where a zod issue path points in the form. */
function fieldOf(path: readonly PropertyKey[], d: Draft): FieldKey | undefined {
  const p = path.map(String).join('.');
  if (p.startsWith('postgres.service')) return 'service';
  if (p.startsWith('postgres.project')) return 'project';
  if (p.startsWith('postgres.databases')) return 'databases';
  if (p.startsWith('postgres.user')) return 'user';
  if (p.startsWith('directory')) return 'directory';
  if (p.startsWith('encryption')) return d.encryption === 'passphrase-file' ? 'passphraseFile' : d.encryption === 'public-key' ? 'recipientFile' : 'encryption';
  if (p.startsWith('offsite.rsync.destination')) return 'rsyncDestination';
  if (p.startsWith('offsite.rsync.port')) return 'rsyncPort';
  if (p.startsWith('offsite.rsync.identityFile')) return 'rsyncIdentityFile';
  if (p.startsWith('retention.daily')) return 'keepDaily';
  if (p.startsWith('retention.weekly')) return 'keepWeekly';
  if (p.startsWith('retention.monthly')) return 'keepMonthly';
  if (p.startsWith('rpoHours')) return 'rpoHours';
  if (p.startsWith('restore')) return 'stopServices';
  return undefined;
}

export type FormResult = { ok: true; settings: BackupSettings } | { ok: false; errors: Partial<Record<FieldKey, string>> };

/**
 * The draft as settings. `previous` supplies what the form has no field for (a key fingerprint,
 * the storage box's known_hosts, the download directory, restore timeouts), so saving from the
 * wizard never drops them.
 */
export function parseDraft(d: Draft, previous?: BackupSettings): FormResult {
  const stop = list(d.stopServices);
  const prevRsync = previous?.offsite?.rsync;
  const prevRecipient = previous?.encryption.mode === 'public-key' ? previous.encryption.recipient : undefined;
  const restore = { ...(previous?.restore ?? {}), ...(stop.length ? { stopServices: stop } : {}) };
  if (!stop.length) delete restore.stopServices;
  const candidate = {
    postgres: {
      service: d.service.trim(),
      ...(d.project.trim() ? { project: d.project.trim() } : {}),
      databases: list(d.databases),
      ...(d.user.trim() ? { user: d.user.trim() } : {}),
    },
    ...(d.directory.trim() ? { directory: d.directory.trim() } : {}),
    encryption:
      d.encryption === 'passphrase-file'
        ? { mode: 'passphrase-file', passphraseFile: d.passphraseFile.trim() }
        : { mode: d.encryption, ...(d.recipientFile.trim() ? { recipientFile: d.recipientFile.trim() } : prevRecipient ? { recipient: prevRecipient } : {}) },
    ...(d.rsyncDestination.trim() || previous?.offsite?.download
      ? {
          offsite: {
            ...(d.rsyncDestination.trim()
              ? {
                  rsync: {
                    destination: d.rsyncDestination.trim(),
                    port: num(d.rsyncPort),
                    identityFile: d.rsyncIdentityFile.trim(),
                    ...(prevRsync?.knownHostsFile ? { knownHostsFile: prevRsync.knownHostsFile } : {}),
                  },
                }
              : {}),
            ...(previous?.offsite?.download ? { download: previous.offsite.download } : {}),
          },
        }
      : {}),
    retention: { daily: num(d.keepDaily), weekly: num(d.keepWeekly), monthly: num(d.keepMonthly) },
    rpoHours: num(d.rpoHours),
    ...(Object.keys(restore).length ? { restore } : {}),
  };
  const r = BackupSettingsSchema.safeParse(candidate);
  if (r.success) return { ok: true, settings: r.data };
  const errors: Partial<Record<FieldKey, string>> = {};
  for (const issue of r.error.issues) {
    const key = fieldOf(issue.path, d) ?? 'service';
    errors[key] ??= issue.message.replace(/^Invalid input: /, '');
  }
  return { ok: false, errors };
}
