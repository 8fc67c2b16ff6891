// The lab as tests and `npm run demo` see it. Start here:
//
//   const lab = await requireLab();        // throws "lab is not up: run npm run lab -- up"
//   const docker = labDocker(lab);          // dockerode on the lab's local socket
//   lab.containers.find((c) => c.roles.includes('crash-loop'))
//   await labExec('shop-postgres-1', ['psql', '-U', 'shop', '-c', 'select 1']);
//   await resetUnlock({ devices: ['sda3_crypt', 'sdb1_crypt'], notReadyForS: 5 });
//   await whileSshdStopped(async () => { … });   // reconnect tests; sshd comes back even on failure
//
// The fleet (web-1 = everything above, plus db-1 and staging-1, each its own dockerd and sshd):
//   labServers(lab)                          // [web-1, db-1, staging-1]: alias, socket, port, host keys…
//   serverDocker('db-1')                     // dockerode on db-1's own local socket
//   writeFleetProfiles(join(dir, 'profiles.json'))   // a profile store with the three in group `shop`
//   await whileServerSshdStopped('db-1', async () => { … });
//
// Tests must fail, never skip, when the lab is missing: requireLab() throws.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Docker from 'dockerode';
import { StoreSchema } from '../../src/config/profile-schema.js';
import { execInContainer, type ExecResult } from './docker-exec.js';
import { dockerdPid, pingDocker } from './dockerd.js';
import { dropbearPid } from './dropbear.js';
import { NOT_UP, readLabInfo, type ExpectedContainer, type FleetServerInfo, type LabInfo } from './lab-info.js';
import { FLEET_GROUP, fleetServer, WEB_SERVER, type ServerName } from './fleet.js';
import { fleetDaemonState } from './fleet-up.js';
import { labPaths, serverPaths, type LabPaths } from './paths.js';
import { UNLOCK_USER, userIds } from './preflight.js';
import { readSshBanner } from './ssh-keys.js';
import { sshdPid, startSshd as startSshdDaemon, stopSshd as stopSshdDaemon } from './sshd.js';
import { readUnlockState, resetUnlockState, type UnlockReset, type UnlockSnapshot } from './unlock-state.js';

export type { ExpectedContainer, FleetServerInfo, LabInfo, ExecResult, UnlockSnapshot };
export { NOT_UP };

/** LABDIR/lab.json as `lab up` last wrote it. Does not check that anything runs: see requireLab(). */
export function labInfo(): LabInfo {
  return readLabInfo(labPaths().labJson);
}

function paths(info: LabInfo): LabPaths {
  return labPaths(info.labDir);
}

/**
 * lab.json, after checking each daemon is really up (web-1's dockerd, sshd and dropbear, and each
 * fleet server's dockerd and sshd): its pid alive (and still the program the
 * lab started) and answering (Docker ping, SSH banners). Throws `lab is not up: …` otherwise.
 */
export async function requireLab(): Promise<LabInfo> {
  // Root is needed to tell our daemons from strangers (/proc/PID/exe) and to reset the unlock state.
  if (process.getuid?.() !== 0) throw new Error('the lab tests must run as root (they check the lab daemons through /proc)');
  const info = labInfo();
  const p = paths(info);
  const down: string[] = [];
  if (dockerdPid(p) === null || !(await pingDocker(info.docker.socketPath))) down.push('dockerd');
  if (sshdPid(p) === null || (await readSshBanner(info.sshd.port)) === null) down.push('sshd');
  if (dropbearPid(p) === null || (await readSshBanner(info.dropbear.port)) === null) down.push('dropbear');
  for (const server of info.fleet) {
    const state = await fleetDaemonState(serverPaths(p, server.name), server.sshd.port);
    if (!state.dockerdAnswering) down.push(`${server.name} dockerd`);
    if (!state.sshdAnswering) down.push(`${server.name} sshd`);
  }
  if (down.length) throw new Error(`${NOT_UP} (${down.join(', ')} not running)`);
  return info;
}

/** A dockerode client on the lab's own socket (local, no SSH). */
export function labDocker(info: LabInfo = labInfo()): Docker {
  return new Docker({ socketPath: info.docker.socketPath });
}

/** Containers lab.json promises, filtered by role ("crash-loop", "unhealthy", …). */
export function labContainers(role?: string, info: LabInfo = labInfo()): ExpectedContainer[] {
  return role ? info.containers.filter((c) => c.roles.includes(role)) : info.containers;
}

/** `docker exec` in a lab container; `input` is fed to stdin (for secrets and SQL). */
export function labExec(container: string, argv: string[], opts: { input?: string; env?: string[]; user?: string } = {}): Promise<ExecResult> {
  return execInContainer(labDocker(), container, argv, opts);
}

/**
 * "Reboot" the dropbear initramfs: every device locked again, tries cleared. Defaults: one
 * device (nvme0n1p3_crypt), ready at once, 3 tries, the lab's passphrase, 10 s askpass timeout.
 */
export async function resetUnlock(opts: Partial<UnlockReset> = {}): Promise<UnlockSnapshot> {
  const info = labInfo();
  const p = paths(info);
  resetUnlockState(p.unlockStateDir, await userIds(UNLOCK_USER), {
    ...opts,
    devices: opts.devices ?? info.dropbear.defaultDevices,
    passphrase: opts.passphrase ?? info.dropbear.passphrase,
  });
  return readUnlockState(p.unlockStateDir);
}

/** What the unlock stand-in has seen: locked/unlocked/failed devices and each answer. */
export function unlockState(): UnlockSnapshot {
  return readUnlockState(paths(labInfo()).unlockStateDir);
}

/**
 * Stop the lab's sshd. By default open sessions die too (a crash or reboot, which is what
 * reconnect logic must survive); pass { dropSessions: false } for a graceful restart.
 */
export async function stopSshd(opts: { dropSessions?: boolean } = {}): Promise<void> {
  await stopSshdDaemon(paths(labInfo()), { dropSessions: opts.dropSessions ?? true });
}

/** Start the lab's sshd again (no-op when it runs), on the port in lab.json. */
export async function startSshd(): Promise<void> {
  const info = labInfo();
  await startSshdDaemon(paths(info), info.sshd.port);
}

/**
 * Run `fn` while sshd is down, and start it again afterwards even when `fn` throws, so a
 * failing reconnect test cannot leave the shared lab without its SSH server.
 */
export async function whileSshdStopped<T>(fn: () => Promise<T>, opts: { dropSessions?: boolean } = {}): Promise<T> {
  await stopSshd(opts);
  try {
    return await fn();
  } finally {
    await startSshd();
  }
}

// ---------------------------------------------------------------------------------------------
// The fleet: web-1 (the server above), db-1 (PostgreSQL only) and staging-1 (a staging shop).

export interface LabServer {
  name: 'web-1' | 'db-1' | 'staging-1';
  role: 'shop' | 'database' | 'staging';
  /** 'opsdeck-lab' | 'opsdeck-lab-db' | 'opsdeck-lab-staging' */
  hostAlias: string;
  /** The lab ssh_config (every server's Host entry is in it). */
  sshConfigPath: string;
  /** That server's Docker socket (a path on the "server"; reachable locally too). */
  socketPath: string;
  /** Its sshd port on 127.0.0.1. */
  port: number;
  /** Where its host keys are pinned (the UserKnownHostsFile of its Host entry). */
  knownHostsPath: string;
  /** SHA256:… of its host keys (ed25519, ECDSA), as `ssh-keygen -l` prints them. */
  hostKeyFingerprints: string[];
  environment: 'production' | 'staging';
}

/** The three servers, web-1 first, then db-1, staging-1. */
export function labServers(info: LabInfo = labInfo()): LabServer[] {
  const web: LabServer = {
    name: 'web-1',
    role: 'shop',
    hostAlias: info.sshd.hostAlias,
    sshConfigPath: info.sshd.sshConfigPath,
    socketPath: info.docker.socketPath,
    port: info.sshd.port,
    knownHostsPath: info.sshd.knownHostsPath,
    hostKeyFingerprints: info.sshd.hostKeys.map((k) => k.fingerprint),
    environment: 'production',
  };
  return [
    web,
    ...info.fleet.map(
      (s): LabServer => ({
        name: s.name,
        role: s.role,
        hostAlias: s.sshd.hostAlias,
        sshConfigPath: s.sshd.sshConfigPath,
        socketPath: s.docker.socketPath,
        port: s.sshd.port,
        knownHostsPath: s.sshd.knownHostsPath,
        hostKeyFingerprints: s.sshd.hostKeys.map((k) => k.fingerprint),
        environment: s.environment,
      }),
    ),
  ];
}

/** One server of labServers(), by name. */
export function labServer(name: LabServer['name'], info: LabInfo = labInfo()): LabServer {
  const server = labServers(info).find((s) => s.name === name);
  if (!server) throw new Error(`${NOT_UP} (lab.json has no server ${name})`);
  return server;
}

/** lab.json's record of a fleet server (db-1, staging-1): its containers, images, postgres… */
export function fleetServerInfo(name: 'db-1' | 'staging-1', info: LabInfo = labInfo()): FleetServerInfo {
  const server = info.fleet.find((s) => s.name === name);
  if (!server) throw new Error(`${NOT_UP} (lab.json has no server ${name})`);
  return server;
}

/** A dockerode client on that server's own local socket (no SSH). */
export function serverDocker(name: LabServer['name']): Docker {
  return new Docker({ socketPath: labServer(name).socketPath });
}

const COLOURS: Record<ServerName, string> = { 'web-1': WEB_SERVER.colour, 'db-1': fleetServer('db-1').colour, 'staging-1': fleetServer('staging-1').colour };

/**
 * Write a profile store (opsdeck's JSON profile file, src/config/profile-schema.ts) holding the
 * three servers in group `shop` (or opts.group): web-1 and db-1 environment production, colours
 * red and magenta; staging-1 environment staging, yellow. Each has ssh {host: its alias} and its
 * socket; web-1 is the default profile. Run opsdeck with `--config <path> --ssh-config <the lab
 * ssh_config>` (labServers()[0].sshConfigPath). Returns the absolute path.
 *
 * opts.extra is merged into every profile (e.g. { readonly: true }); opts.servers into one
 * server's profile only, and `null` there leaves that server out. The result is checked against
 * opsdeck's own schema before it is written, so a bad field fails here, not in the CLI.
 */
export function writeFleetProfiles(
  configPath: string,
  opts: {
    group?: string;
    extra?: Record<string, unknown>;
    servers?: Partial<Record<LabServer['name'], Record<string, unknown> | null>>;
  } = {},
): string {
  const path = resolve(configPath);
  const profiles: Record<string, Record<string, unknown>> = {};
  for (const server of labServers()) {
    const own = opts.servers?.[server.name];
    if (own === null) continue;
    profiles[server.name] = {
      ssh: { host: server.hostAlias },
      socket: server.socketPath,
      group: opts.group ?? FLEET_GROUP,
      environment: server.environment,
      colour: COLOURS[server.name],
      ...opts.extra,
      ...own,
    };
  }
  const store = { version: 1, ...(profiles['web-1'] ? { defaultProfile: 'web-1' } : {}), profiles };
  const check = StoreSchema.safeParse(store);
  if (!check.success) {
    const issue = check.error.issues[0];
    throw new Error(`writeFleetProfiles: opsdeck would refuse this profile store: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

/**
 * Stop one server's sshd (for web-1: stopSshd). By default open sessions die too, as in a crash
 * or reboot; { dropSessions: false } is a graceful restart. Its dockerd keeps running.
 */
export async function stopServerSshd(name: LabServer['name'], opts: { dropSessions?: boolean } = {}): Promise<void> {
  if (name === 'web-1') return stopSshd(opts);
  fleetServerInfo(name);
  await stopSshdDaemon(serverPaths(paths(labInfo()), name), { dropSessions: opts.dropSessions ?? true });
}

/** Start one server's sshd again (no-op when it runs), on its port in lab.json. */
export async function startServerSshd(name: LabServer['name']): Promise<void> {
  if (name === 'web-1') return startSshd();
  const info = labInfo();
  const server = fleetServerInfo(name, info);
  await startSshdDaemon(serverPaths(paths(info), name), server.sshd.port, { portEnv: fleetServer(name).portEnv });
}

/** Run `fn` while that server's sshd is down; it is started again even when `fn` throws. */
export async function whileServerSshdStopped<T>(
  name: LabServer['name'],
  fn: () => Promise<T>,
  opts: { dropSessions?: boolean } = {},
): Promise<T> {
  await stopServerSshd(name, opts);
  try {
    return await fn();
  } finally {
    await startServerSshd(name);
  }
}
