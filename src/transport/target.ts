/**
 * Which server, and how to reach it: turns --host / --local / DOCKER_HOST / a saved profile plus
 * ssh_config into one fully resolved Target. Pure apart from reading config files, so `hosts
 * show`, `doctor` and the tests can all print exactly what a connection would use.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ConnectionFlags } from './connection-flags.js';
import { HOST_RE, USER_RE, profileStorePath } from '../config/profile-path.js';
import type { Profile } from '../config/profile-schema.js';
import { evaluateSshConfig, expandPath, expandTokens, loadSshConfig, type LoadedSshConfig, type TokenContext } from '../config/ssh-config.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const DEFAULT_KEEPALIVE_MS = 15_000;
const DEFAULT_KEEPALIVE_COUNT = 3;
const MAX_HOPS = 8;

export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no' | 'ask';

export type Via = { kind: 'direct' } | { kind: 'command'; command: string } | { kind: 'jump'; hop: SshEndpoint };

/** One SSH server to log in to, with everything ssh_config said about it. */
export interface SshEndpoint {
  /** The name as given (profile host, alias, or host name): what ssh_config matched. */
  name: string;
  /** HostName after ssh_config. */
  host: string;
  port: number;
  user: string;
  /** Private key files to try, in order (absolute paths; missing ones are skipped at connect). */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** ssh-agent socket (SSH_AUTH_SOCK or IdentityAgent), if any. */
  agentSocket?: string;
  knownHosts: {
    /** Files that are read; new keys go to the first one. */
    userFiles: string[];
    globalFiles: string[];
    hashNew: boolean;
    /** HostKeyAlias: the name looked up in known_hosts instead of host/[host]:port. */
    alias?: string;
  };
  strictHostKeyChecking: StrictHostKeyChecking;
  /** Which authentication methods this connection may use. Password/keyboard-interactive only when allowed. */
  auth: { publickey: boolean; password: boolean; keyboardInteractive: boolean };
  /** BatchMode yes: never prompt. */
  batchMode: boolean;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  via: Via;
  /** file:line for settings that came from ssh_config, by lower-case keyword. */
  sources: Record<string, string>;
}

export interface SshTarget extends SshEndpoint {
  kind: 'ssh';
  /** What to call this server in the UI. */
  label: string;
  profile?: Profile;
  /** The Docker socket on the server. */
  socketPath: string;
  sshConfigFiles: string[];
  warnings: string[];
}

export interface LocalTarget {
  kind: 'local';
  label: string;
  profile?: Profile;
  socketPath: string;
}

export type Target = SshTarget | LocalTarget;

export interface ResolveOptions {
  /** The profile store to look names up in (default: the one --config / OPSDECK_CONFIG names). */
  store?: ProfileLookup;
  /** System-wide ssh_config; default /etc/ssh/ssh_config; null to skip (tests). */
  systemSshConfig?: string | null;
  /** Allow password / keyboard-interactive for this connection (provisioning a fresh server). */
  allowPassword?: boolean;
}

/** What resolveTarget reads from the profile store. */
export interface ProfileLookup {
  get(name: string): Profile | undefined;
  defaultName(): string | undefined;
}

/**
 * The store --config / OPSDECK_CONFIG names, loaded only when its file exists: reading it needs
 * conf and zod, which a command given its server as flags would otherwise load for nothing.
 */
async function profileLookup(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<ProfileLookup> {
  const opts = { ...(flags.config ? { configPath: flags.config } : {}), env };
  if (!fs.existsSync(profileStorePath(opts))) return { get: () => undefined, defaultName: () => undefined };
  const { ProfileStore } = await import('../config/profile-store.js');
  return new ProfileStore(opts);
}

export interface ParsedDestination {
  user?: string;
  host: string;
  port?: number;
}

/** `[ssh://][user@]host[:port]`, with `[v6addr]:port` for IPv6. Throws a UserError naming the input. */
export function parseDestination(input: string): ParsedDestination {
  let s = input.trim();
  const what = `'${input}'`;
  if (s.startsWith('ssh://')) s = s.slice(6).replace(/\/$/, '');
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
    if (!USER_RE.test(user)) throw new UserError(`${what}: '${user}' is not a valid user name`);
  }
  let host = s;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const i = s.indexOf(':');
    host = s.slice(0, i);
    portText = s.slice(i + 1);
  }
  if (host === '' || !HOST_RE.test(host)) throw new UserError(`${what}: '${host}' is not a valid host name`, { hint: 'Use a host name, an IP address, an ssh_config Host alias or a saved profile name.' });
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) throw new UserError(`${what}: port must be a number from 1 to 65535`);
    port = Number(portText);
  }
  return { host, ...(user ? { user } : {}), ...(port ? { port } : {}) };
}

function localUserName(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'root';
  }
}

/** DOCKER_HOST as we understand it: unix:// → local socket, ssh:// → a destination, anything else refused. */
function dockerHostFromEnv(env: NodeJS.ProcessEnv): { kind: 'unix'; socket: string } | { kind: 'ssh'; dest: string } | undefined {
  const v = env.DOCKER_HOST?.trim();
  if (!v) return undefined;
  if (v.startsWith('unix://')) return { kind: 'unix', socket: v.slice(7) || DEFAULT_DOCKER_SOCKET };
  if (v.startsWith('ssh://')) return { kind: 'ssh', dest: v };
  throw new UserError(`DOCKER_HOST=${v}: opsdeck talks to Docker over a unix socket or ssh:// only`, {
    hint: 'Unset DOCKER_HOST, or use --host user@server to go through SSH.',
  });
}

function checkSocketPath(p: string, from: string): string {
  if (!p.startsWith('/')) throw new UserError(`${from}: the Docker socket must be an absolute path, got '${p}'`);
  return p;
}

/**
 * Resolve the server to talk to. Order: --local; --host (profile name, then ssh_config alias or
 * user@host[:port]); DOCKER_HOST (unix:// → local, ssh:// → that server); the default profile;
 * otherwise local.
 */
export async function resolveTarget(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, opts: ResolveOptions = {}): Promise<Target> {
  const store = opts.store ?? (await profileLookup(flags, env));
  const socketFlag = flags.socket !== undefined ? checkSocketPath(flags.socket, '--socket') : undefined;
  const docker = flags.local || flags.host ? undefined : dockerHostFromEnv(env);

  if (flags.local) {
    const dh = env.DOCKER_HOST?.startsWith('unix://') ? env.DOCKER_HOST.slice(7) : undefined;
    return { kind: 'local', label: 'local', socketPath: socketFlag ?? (dh || DEFAULT_DOCKER_SOCKET) };
  }

  let profile: Profile | undefined;
  let destination: string | undefined;
  if (flags.host !== undefined) {
    if (flags.host.trim() === '') throw new UserError('--host needs a value');
    if (flags.host.includes(',')) {
      throw new UserError(`--host ${flags.host}: names several servers; this command takes one`, { hint: 'Only opsdeck status and the TUI take --host a,b or --group NAME.' });
    }
    profile = store.get(flags.host);
    if (!profile) destination = flags.host;
  } else if (docker?.kind === 'unix') {
    return { kind: 'local', label: 'local', socketPath: socketFlag ?? docker.socket };
  } else if (docker?.kind === 'ssh') {
    destination = docker.dest;
  } else {
    const def = store.defaultName();
    if (def) profile = store.get(def);
  }

  if (profile?.local) {
    return { kind: 'local', label: profile.name, profile, socketPath: socketFlag ?? profile.socket ?? DEFAULT_DOCKER_SOCKET };
  }
  if (!profile && destination === undefined) {
    return { kind: 'local', label: 'local', socketPath: socketFlag ?? DEFAULT_DOCKER_SOCKET };
  }

  const dest: ParsedDestination = profile?.ssh
    ? { host: profile.ssh.host, ...(profile.ssh.user ? { user: profile.ssh.user } : {}), ...(profile.ssh.port ? { port: profile.ssh.port } : {}) }
    : parseDestination(destination!);

  const home = env.HOME || os.homedir();
  const sshConfigExplicit = flags['ssh-config'] !== undefined;
  const userFile = sshConfigExplicit ? path.resolve(flags['ssh-config']!.replace(/^~(?=\/)/, home)) : path.join(home, '.ssh', 'config');
  const loaded = loadSshConfig({
    userFile,
    userFileExplicit: sshConfigExplicit,
    home,
    ...(opts.systemSshConfig !== undefined ? { systemFile: opts.systemSshConfig } : {}),
  });
  const ctx: ResolveContext = { loaded, env, home, localUser: localUserName(env) };
  const endpoint = resolveEndpoint(ctx, dest, {
    identityFile: profile?.ssh?.identityFile,
    allowPassword: opts.allowPassword === true || profile?.ssh?.allowPassword === true,
    acceptNew: flags['accept-new'] === true,
    depth: 0,
  });
  const label = profile ? profile.name : destination!.replace(/^ssh:\/\//, '');
  return {
    ...endpoint,
    kind: 'ssh',
    label,
    ...(profile ? { profile } : {}),
    socketPath: socketFlag ?? profile?.socket ?? DEFAULT_DOCKER_SOCKET,
    sshConfigFiles: loaded.files,
    warnings: [...new Set(loaded.warnings)],
  };
}

interface ResolveContext {
  loaded: LoadedSshConfig;
  env: NodeJS.ProcessEnv;
  home: string;
  localUser: string;
}

interface EndpointOverrides {
  identityFile?: string | undefined;
  allowPassword?: boolean;
  acceptNew?: boolean;
  /** Forced route (a later hop of a ProxyJump chain goes through the previous one, whatever its own config says). */
  via?: Via;
  depth: number;
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_dsa'];

function resolveEndpoint(ctx: ResolveContext, dest: ParsedDestination, o: EndpointOverrides): SshEndpoint {
  if (o.depth > MAX_HOPS) throw new UserError(`ProxyJump chain for '${dest.host}' is longer than ${MAX_HOPS} hops (a loop in ssh_config?)`);
  const cfg = evaluateSshConfig(ctx.loaded, dest.host, { ...(dest.user ? { user: dest.user } : {}), localUser: ctx.localUser });
  const host = cfg.hostName ? cfg.hostName.replace(/%%/g, '%').replace(/%h/g, dest.host) : dest.host;
  if (!HOST_RE.test(host)) throw new UserError(`${cfg.where.hostname ?? 'ssh_config'}: HostName '${host}' is not a valid host name`);
  const user = dest.user ?? cfg.user ?? ctx.localUser;
  if (!USER_RE.test(user)) throw new UserError(`${cfg.where.user ?? 'ssh_config'}: User '${user}' is not a valid user name`);
  const port = dest.port ?? cfg.port ?? 22;
  const tokens: TokenContext = { host, originalHost: dest.host, port, remoteUser: user, localUser: ctx.localUser, home: ctx.home };

  const identityFiles: string[] = [];
  if (o.identityFile) identityFiles.push(expandPath(o.identityFile, tokens));
  for (const f of cfg.identityFiles) if (f.toLowerCase() !== 'none') identityFiles.push(expandPath(f, tokens));
  if (identityFiles.length === 0) {
    for (const n of DEFAULT_IDENTITIES) {
      const p = path.join(ctx.home, '.ssh', n);
      if (fs.existsSync(p)) identityFiles.push(p);
    }
  }

  let agentSocket: string | undefined = ctx.env.SSH_AUTH_SOCK || undefined;
  if (cfg.identityAgent !== undefined) {
    const v = cfg.identityAgent;
    if (v.toLowerCase() === 'none') agentSocket = undefined;
    else if (v === 'SSH_AUTH_SOCK') agentSocket = ctx.env.SSH_AUTH_SOCK || undefined;
    else if (v.startsWith('$')) agentSocket = ctx.env[v.slice(1)] || undefined;
    else agentSocket = expandPath(v, tokens);
  }

  const userKnown = (cfg.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']).filter((f) => f.toLowerCase() !== 'none').map((f) => expandPath(f, tokens));
  const globalKnown = (cfg.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']).filter((f) => f.toLowerCase() !== 'none').map((f) => expandPath(f, tokens));

  let strict: StrictHostKeyChecking = cfg.strictHostKeyChecking ?? 'ask';
  // --accept-new asks for exactly that, even over a stricter ssh_config (as `ssh -o` would).
  if (o.acceptNew) strict = 'accept-new';

  let via: Via = { kind: 'direct' };
  if (o.via) via = o.via;
  else if (cfg.proxyJump) {
    let prev: SshEndpoint | undefined;
    for (const spec of cfg.proxyJump.split(',').map((s) => s.trim()).filter(Boolean)) {
      const jd = parseDestination(spec);
      prev = resolveEndpoint(ctx, jd, { acceptNew: o.acceptNew ?? false, depth: o.depth + 1, ...(prev ? { via: { kind: 'jump', hop: prev } } : {}) });
    }
    if (prev) via = { kind: 'jump', hop: prev };
  } else if (cfg.proxyCommand) {
    via = { kind: 'command', command: expandTokens(cfg.proxyCommand, tokens) };
  }

  const allowPassword = o.allowPassword === true;
  return {
    name: dest.host,
    host,
    port,
    user,
    identityFiles: [...new Set(identityFiles)],
    identitiesOnly: cfg.identitiesOnly ?? false,
    ...(agentSocket ? { agentSocket } : {}),
    knownHosts: { userFiles: userKnown, globalFiles: globalKnown, hashNew: cfg.hashKnownHosts ?? false, ...(cfg.hostKeyAlias ? { alias: cfg.hostKeyAlias } : {}) },
    strictHostKeyChecking: strict,
    auth: {
      publickey: cfg.pubkeyAuthentication !== false,
      password: allowPassword && cfg.passwordAuthentication !== false,
      keyboardInteractive: allowPassword && cfg.kbdInteractiveAuthentication !== false,
    },
    batchMode: cfg.batchMode ?? false,
    connectTimeoutMs: cfg.connectTimeoutSeconds ? cfg.connectTimeoutSeconds * 1000 : DEFAULT_CONNECT_TIMEOUT_MS,
    keepaliveIntervalMs: cfg.serverAliveIntervalSeconds ? cfg.serverAliveIntervalSeconds * 1000 : DEFAULT_KEEPALIVE_MS,
    keepaliveCountMax: cfg.serverAliveCountMax || DEFAULT_KEEPALIVE_COUNT,
    via,
    sources: cfg.where,
  };
}

/** user@host:port as a person would type it. */
export function endpointLabel(e: Pick<SshEndpoint, 'user' | 'host' | 'port'>): string {
  const h = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.user}@${h}${e.port === 22 ? '' : `:${e.port}`}`;
}

/** The hops from the first one we dial to the target itself. */
export function hopChain(target: SshEndpoint): SshEndpoint[] {
  const chain: SshEndpoint[] = [];
  let cur: SshEndpoint | undefined = target;
  while (cur) {
    chain.unshift(cur);
    cur = cur.via.kind === 'jump' ? cur.via.hop : undefined;
  }
  return chain;
}
