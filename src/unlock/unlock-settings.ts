/**
 * Where the initramfs's Dropbear is and how to trust it, from the profile's `unlock` section,
 * ssh_config and the server's own settings.
 *
 * The initramfs is resolved like any server (resolveTarget: ssh_config's HostName, ProxyJump,
 * IdentityFile, timeouts all apply), then given its OWN known_hosts: Dropbear's host key is not
 * OpenSSH's, so putting both under one name would look like a changed key on every reboot.
 * The same host key policy (src/transport/host-key-policy.ts) judges it: unknown needs explicit
 * trust, changed is refused.
 *
 * Defaults: host = the server's (as named, so its ssh_config block applies), port 2222, user
 * root, the server's own keys, known_hosts `initramfs_known_hosts` beside the profile store.
 * When `unlock.host` names an ssh_config alias, that alias's Port, User and UserKnownHostsFile
 * are used unless the profile says otherwise.
 */
import os from 'node:os';
import path from 'node:path';
import type { ConnectionFlags } from '../transport/connection-flags.js';
import { UserError } from '../errors.js';
import type { UnlockSettings } from '../config/profile-schema.js';
import { profileStorePath } from '../config/profile-store.js';
import { resolveTarget, type ResolveOptions, type SshTarget, type Target } from '../transport/target.js';
import { DEFAULT_MAX_TRIES } from './unlock-flow.js';

export const DEFAULT_UNLOCK_PORT = 2222;
export const DEFAULT_UNLOCK_USER = 'root';
export const DEFAULT_UNLOCK_COMMAND = 'cryptroot-unlock';
export const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;
export const INITRAMFS_KNOWN_HOSTS = 'initramfs_known_hosts';

export interface UnlockEndpoint {
  /** The initramfs's SSH server, with its own known_hosts. */
  target: SshTarget;
  /** The unlock program (argv[0] of the exec request). */
  command: string;
  maxTries: number;
  waitTimeoutMs: number;
  /** Where initramfs host keys are recorded (the first of target.knownHosts.userFiles). */
  knownHostsFile: string;
  /** The profile has an unlock section: an initramfs is known to be there. */
  configured: boolean;
  /** Where the server keeps the initramfs's Dropbear config, if the profile says. */
  configDir: string | undefined;
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === '~') return home(env);
  if (p.startsWith('~/')) return path.join(home(env), p.slice(2));
  return path.resolve(p);
}

/** The default initramfs known_hosts: beside the profile store, so --config / OPSDECK_CONFIG move it too. */
export function defaultInitramfsKnownHosts(flags: Pick<ConnectionFlags, 'config'>, env: NodeJS.ProcessEnv): string {
  return path.join(path.dirname(profileStorePath({ ...(flags.config ? { configPath: flags.config } : {}), env })), INITRAMFS_KNOWN_HOSTS);
}

function destination(user: string, host: string, port: number): string {
  return `${user}@${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The server must be reached over SSH: a local profile has no initramfs opsdeck can talk to from here. */
export function requireSshTarget(target: Target, what: string): SshTarget {
  if (target.kind !== 'ssh') {
    throw new UserError(`${what}: '${target.label}' is the local Docker socket, not a server reached over SSH`, {
      hint: 'Remote unlock talks to the initramfs of a server over the network: use --host with a saved profile or user@host.',
    });
  }
  return target;
}

export async function resolveUnlockEndpoint(
  main: SshTarget,
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  opts: ResolveOptions = {},
): Promise<UnlockEndpoint> {
  const settings: UnlockSettings = main.profile?.unlock ?? {};
  const baseFlags: ConnectionFlags = {
    ...(flags['ssh-config'] !== undefined ? { 'ssh-config': flags['ssh-config'] } : {}),
    ...(flags.config !== undefined ? { config: flags.config } : {}),
    ...(flags['accept-new'] ? { 'accept-new': true } : {}),
  };
  const resolveDest = async (dest: string): Promise<SshTarget> => {
    const t = await resolveTarget({ ...baseFlags, host: dest }, env, opts);
    if (t.kind !== 'ssh') throw new Error('an ssh destination resolved to local mode');
    return t;
  };

  let user = settings.user ?? DEFAULT_UNLOCK_USER;
  let port = settings.port ?? DEFAULT_UNLOCK_PORT;
  let aliasKnownHosts: string[] | undefined;
  const host = settings.host ?? main.name;
  if (settings.host !== undefined) {
    // An alias made for the initramfs may carry its own Port / User / UserKnownHostsFile.
    const probe = await resolveDest(settings.host.includes(':') ? `[${settings.host}]` : settings.host);
    if (settings.user === undefined && probe.sources.user) user = probe.user;
    if (settings.port === undefined && probe.sources.port) port = probe.port;
    if (probe.sources.userknownhostsfile && probe.knownHosts.userFiles.length) aliasKnownHosts = probe.knownHosts.userFiles;
  }
  const resolved = await resolveDest(destination(user, host, port));

  const knownHostsFile = settings.knownHostsFile
    ? expandHome(settings.knownHostsFile, env)
    : (aliasKnownHosts?.[0] ?? defaultInitramfsKnownHosts(flags, env));
  const identityFiles = [
    ...(settings.identityFile ? [expandHome(settings.identityFile, env)] : []),
    ...main.identityFiles,
    ...resolved.identityFiles,
  ];
  const target: SshTarget = {
    ...resolved,
    label: `${main.label} (initramfs)`,
    identityFiles: [...new Set(identityFiles)],
    // The passphrase goes only to a key pinned in the initramfs known_hosts or confirmed for this
    // run (--accept-new on this command line, or yes to the question). accept-new / no from
    // ssh_config, often a `Host *` line written for ordinary servers, is no such confirmation.
    strictHostKeyChecking: flags['accept-new'] ? 'accept-new' : resolved.strictHostKeyChecking === 'yes' ? 'yes' : 'ask',
    // Never the server's HostKeyAlias or its known_hosts files: the initramfs key is pinned on its own.
    knownHosts: { userFiles: [knownHostsFile], globalFiles: [], hashNew: resolved.knownHosts.hashNew },
  };
  return {
    target,
    command: settings.command ?? DEFAULT_UNLOCK_COMMAND,
    maxTries: settings.maxTries ?? DEFAULT_MAX_TRIES,
    waitTimeoutMs: settings.waitTimeoutSeconds !== undefined ? settings.waitTimeoutSeconds * 1000 : DEFAULT_WAIT_TIMEOUT_MS,
    knownHostsFile,
    configured: main.profile?.unlock !== undefined,
    configDir: settings.configDir,
  };
}
