/**
 * The profile store's file format, as zod schemas: the single place a field is defined.
 *
 * To add settings for a later feature (backups, remote unlock), add one optional key to
 * `profileFields` (e.g. `backup: BackupSettings.optional()`) with its own strict object schema.
 * Every object is strict, so a misspelt key is reported instead of silently ignored.
 */
import { z } from 'zod';
import { BackupSettingsSchema } from './backup-settings-schema.js';
import { HOST_RE, PROFILE_NAME_RE, USER_RE } from './profile-path.js';

export { HOST_RE, PROFILE_NAME_RE, USER_RE };

const portNumber = z
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int({ error: 'must be a whole number from 1 to 65535' })
  .min(1, { error: 'must be a whole number from 1 to 65535' })
  .max(65535, { error: 'must be a whole number from 1 to 65535' });

const absolutePath = z
  .string({ error: 'must be an absolute path (a string starting with /)' })
  .regex(/^\/[^\0]*$/, { error: 'must be an absolute path starting with /' });

/** Terminal colour names every terminal draws (the 8 ANSI colours and their bright forms, by name). */
export const PROFILE_COLOURS = ['red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'gray', 'redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright'] as const;
export type ProfileColour = (typeof PROFILE_COLOURS)[number];

export const ProfileName = z.string().regex(PROFILE_NAME_RE, {
  error: 'profile names use letters, digits, dot, dash and underscore, starting with a letter or digit (at most 63)',
});

export const SshTargetSchema = z.strictObject({
  /** A host name, an IP address, or a Host alias from ssh_config. */
  host: z.string({ error: 'must be a host name, an address or an ssh_config Host alias' }).regex(HOST_RE, {
    error: 'must be a host name, an address or an ssh_config Host alias (letters, digits, . - _ :)',
  }),
  user: z.string({ error: 'must be a user name' }).regex(USER_RE, { error: 'must be a plain user name' }).optional(),
  port: portNumber.optional(),
  /** A private key file; ~ is expanded. ssh_config's IdentityFile entries are tried after it. */
  identityFile: z.string({ error: 'must be a path to a private key file' }).min(1).optional(),
  /** Password / keyboard-interactive authentication allowed for this server (e.g. a fresh VPS with only a root password). */
  allowPassword: z.boolean({ error: 'must be true or false' }).optional(),
});

export const ComposeSchema = z.strictObject({
  /** Where the compose files live on the server. */
  directory: absolutePath.optional(),
  /** Compose project names this profile shows (all when absent). */
  projects: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'compose project names are lower-case letters, digits, dash and underscore' }), {
      error: 'must be a list of compose project names',
    })
    .optional(),
});

function wholeNumber(min: number, max: number, what: string) {
  const error = `must be ${what}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/**
 * Remote LUKS unlock: the SSH server of the initramfs (Dropbear) that waits for the disk
 * passphrase after a reboot. Every field is optional; see src/unlock/unlock-settings.ts for defaults.
 */
export const UnlockSchema = z.strictObject({
  /** The initramfs's address or ssh_config alias (default: the server's own). */
  host: SshTargetSchema.shape.host.optional(),
  /** Default 2222. */
  port: portNumber.optional(),
  /** Default root. */
  user: z.string({ error: 'must be a user name' }).regex(USER_RE, { error: 'must be a plain user name' }).optional(),
  /** A private key for the initramfs (default: the keys the server's own connection uses). */
  identityFile: z.string({ error: 'must be a path to a private key file' }).min(1).optional(),
  /** The initramfs's own known_hosts: Dropbear's host key is not OpenSSH's (default: initramfs_known_hosts beside the profile store). */
  knownHostsFile: z.string({ error: 'must be a path to a known_hosts file' }).min(1).optional(),
  /** The unlock program, one word with no arguments (default cryptroot-unlock). */
  command: z
    .string({ error: 'must be a program name or path' })
    .regex(/^[A-Za-z0-9_./+-]{1,255}$/, { error: 'must be one program name or path (letters, digits, _ . / + -), no arguments' })
    .optional(),
  /** cryptsetup's tries per device, for the "tries left" count (default 3). */
  maxTries: wholeNumber(1, 20, 'a whole number from 1 to 20').optional(),
  /** How long to wait for the real sshd after unlocking (default 300). */
  waitTimeoutSeconds: wholeNumber(10, 3600, 'a whole number of seconds from 10 to 3600').optional(),
  /** Where the server keeps the initramfs's Dropbear config, keys and authorized_keys (default: /etc/dropbear/initramfs, then /etc/dropbear-initramfs). */
  configDir: absolutePath.optional(),
});

export const profileFields = {
  /** How to reach the server over SSH; absent with `local: true`. */
  ssh: SshTargetSchema.optional(),
  /** Run on the server itself, talking to its Docker socket directly. */
  local: z.literal(true, { error: 'must be true when present' }).optional(),
  /** The Docker socket on the server (default /var/run/docker.sock; rootless: /run/user/UID/docker.sock). */
  socket: absolutePath.optional(),
  compose: ComposeSchema.optional(),
  unlock: UnlockSchema.optional(),
  /** PostgreSQL backups and restores: src/config/backup-settings-schema.ts. */
  backup: BackupSettingsSchema.optional(),
  /**
   * `production`, `staging` or free text. On production, destructive actions in runbooks ask for
   * the server's name to be typed, not just a yes.
   */
  environment: z
    .string({ error: 'must be a word such as production or staging' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, { error: 'must be a word such as production or staging (letters, digits, . _ -)' })
    .optional(),
  /** The fleet this server belongs to (`opsdeck --group shop`, `status --group shop`). */
  group: z
    .string({ error: 'must be a group name such as shop' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, { error: 'must be a group name such as shop (letters, digits, . _ -, at most 32)' })
    .optional(),
  /** The colour the server's name is drawn in on every screen, so production never looks like staging. */
  colour: z.enum(PROFILE_COLOURS, { error: `must be one of ${PROFILE_COLOURS.join(', ')}` }).optional(),
  /** Open this server read-only: every action that changes it is hidden and refused, as with --readonly. */
  readonly: z.boolean({ error: 'must be true or false' }).optional(),
};

export const ProfileBodySchema = z
  .strictObject(profileFields)
  .refine((p) => (p.ssh === undefined) !== (p.local === undefined), { error: 'needs exactly one of "ssh" (a server to reach) or "local": true' });

export const StoreSchema = z
  .strictObject({
    version: z.literal(1, { error: 'must be 1 (this opsdeck reads version 1 files)' }).optional(),
    /** The profile used when no --host is given. */
    defaultProfile: ProfileName.optional(),
    profiles: z.record(ProfileName, ProfileBodySchema, { error: 'must be an object mapping profile names to profiles' }).optional(),
  })
  .refine((s) => s.defaultProfile === undefined || (s.profiles ?? {})[s.defaultProfile] !== undefined, {
    error: 'names a profile that does not exist',
    path: ['defaultProfile'],
  });

export type ProfileBody = z.infer<typeof ProfileBodySchema>;
export type UnlockSettings = z.infer<typeof UnlockSchema>;
export type StoreData = z.infer<typeof StoreSchema>;
export type Profile = ProfileBody & { name: string };
