// LABDIR/lab.json: everything a test needs to find and check the lab, written by `lab up`.
// The schema is the contract between the lab and the tests: read it with readLabInfo().
// Mode 0600 - it holds the lab's fixture secrets (database password, unlock passphrase).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

const HostKeySchema = z.object({
  type: z.string(),
  base64: z.string(),
  /** "SHA256:…", as `ssh-keygen -l` prints it. */
  fingerprint: z.string(),
});

const PortSchema = z.object({ container: z.string(), hostIp: z.string(), hostPort: z.string() });

const ExpectSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('running'), health: z.enum(['healthy', 'unhealthy']).nullable() }),
  z.object({ state: z.literal('crash-loop') }),
  z.object({ state: z.literal('exited'), exitCode: z.number().int() }),
]);

export const ExpectedContainerSchema = z.object({
  name: z.string(),
  /** Compose project, or null for a container started by hand (the "other" group). */
  project: z.string().nullable(),
  service: z.string().nullable(),
  number: z.number().int(),
  oneoff: z.boolean(),
  image: z.string(),
  expect: ExpectSchema,
  hasHealthcheck: z.boolean(),
  /** Bytes; 0 = no limit. */
  memory: z.number().int(),
  nanoCpus: z.number().int(),
  restartPolicy: z.string(),
  ports: z.array(PortSchema),
  roles: z.array(z.string()),
});
export type ExpectedContainer = z.infer<typeof ExpectedContainerSchema>;

const PostgresSchema = z.object({
  container: z.string(),
  image: z.string(),
  database: z.string(),
  user: z.string(),
  password: z.string(),
  volume: z.string(),
  /** Row counts the seed guarantees. */
  rows: z.record(z.string(), z.number().int()),
});

/** db-1 or staging-1: a server of its own beside web-1 (own dockerd, sshd, host keys, stack). */
export const FleetServerSchema = z.object({
  name: z.enum(['db-1', 'staging-1']),
  role: z.enum(['database', 'staging']),
  environment: z.enum(['production', 'staging']),
  /** The colour its profile gets (writeFleetProfiles). */
  colour: z.string(),
  docker: z.object({
    socketPath: z.string(),
    host: z.string(),
    engineVersion: z.string(),
    apiVersion: z.string(),
    dataRoot: z.string(),
  }),
  sshd: z.object({
    host: z.string(),
    port: z.number().int(),
    user: z.string(),
    privateKeyPath: z.string(),
    /** Its own known_hosts file, pinned to its own host keys. */
    knownHostsPath: z.string(),
    sshConfigPath: z.string(),
    hostAlias: z.string(),
    hostKeys: z.array(HostKeySchema),
  }),
  /** db-1's PostgreSQL (the shop database, seeded as web-1's); null on staging-1. */
  postgres: PostgresSchema.nullable(),
  projects: z.array(z.string()),
  images: z.record(z.string(), z.string()),
  containers: z.array(ExpectedContainerSchema),
});
export type FleetServerInfo = z.infer<typeof FleetServerSchema>;

export const LabInfoSchema = z.object({
  /** 2: the fleet (db-1, staging-1) joined web-1. */
  schema: z.literal(2),
  labDir: z.string(),
  updatedAt: z.string(),
  docker: z.object({
    socketPath: z.string(),
    /** DOCKER_HOST form: unix:///run/opsdeck-lab/docker.sock */
    host: z.string(),
    engineVersion: z.string(),
    apiVersion: z.string(),
  }),
  sshd: z.object({
    host: z.string(),
    port: z.number().int(),
    user: z.string(),
    privateKeyPath: z.string(),
    knownHostsPath: z.string(),
    sshConfigPath: z.string(),
    /** The Host name in sshConfigPath. */
    hostAlias: z.string(),
    hostKeys: z.array(HostKeySchema),
    /** Prepend to PATH so `docker -H ssh://opsdeck-lab …` (the docker CLI) uses sshConfigPath. */
    sshWrapperDir: z.string(),
  }),
  dropbear: z.object({
    host: z.string(),
    port: z.number().int(),
    user: z.string(),
    privateKeyPath: z.string(),
    knownHostsPath: z.string(),
    hostAlias: z.string(),
    hostKeys: z.array(HostKeySchema),
    /** The forced command every login runs. */
    unlockCommand: z.string(),
    /** The right passphrase (a fixture; the stand-in itself keeps only its SHA-256). */
    passphrase: z.string(),
    defaultDevices: z.array(z.string()),
  }),
  postgres: PostgresSchema,
  projects: z.array(z.string()),
  /** Every image tag the containers use → image id. */
  images: z.record(z.string(), z.string()),
  containers: z.array(ExpectedContainerSchema),
  /** The servers beside this one (the main server, web-1, is everything above): db-1, staging-1. */
  fleet: z.array(FleetServerSchema),
});
export type LabInfo = z.infer<typeof LabInfoSchema>;

export const NOT_UP = 'lab is not up: run npm run lab -- up';

export function readLabInfo(path: string): LabInfo {
  if (!existsSync(path)) throw new Error(`${NOT_UP} (no ${path})`);
  const parsed = LabInfoSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${NOT_UP} (${path} is from another version of the lab: ${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

export function writeLabInfo(path: string, info: LabInfo): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(LabInfoSchema.parse(info), null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** The fixture secrets of an earlier `lab up`, reused so volumes and state stay valid. */
export function previousSecrets(path: string): { postgresPassword: string; passphrase: string } | null {
  // Read loosely: a lab.json of an older schema still holds the secrets its volumes were made with.
  const Secrets = z.object({ postgres: z.object({ password: z.string() }), dropbear: z.object({ passphrase: z.string() }) });
  try {
    const info = Secrets.parse(JSON.parse(readFileSync(path, 'utf8')));
    return { postgresPassword: info.postgres.password, passphrase: info.dropbear.passphrase };
  } catch {
    return null;
  }
}
