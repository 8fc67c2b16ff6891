import type { CommandContext, CommandSpec } from '../command.js';
import { EXIT, UserError } from '../../errors.js';
import { ProfileStore } from '../../config/profile-store.js';
import { PROFILE_COLOURS, type Profile } from '../../config/profile-schema.js';
import { isProduction, serverColour } from '../../render/server-colour.js';
import { endpointLabel, hopChain, parseDestination, resolveTarget, DEFAULT_DOCKER_SOCKET, type Target } from '../../transport/target.js';

const configOption = {
  config: { type: 'string', valueName: 'PATH', description: 'profile store file (default: the user config dir; or OPSDECK_CONFIG)' },
} as const;

function storeFor(ctx: CommandContext): ProfileStore {
  const config = ctx.values.config;
  return ProfileStore.open({ ...(typeof config === 'string' ? { configPath: config } : {}), env: ctx.env });
}

function describeProfile(p: Profile): string {
  if (p.local) return 'local';
  const s = p.ssh!;
  return `${s.user ? `${s.user}@` : ''}${s.host}${s.port ? `:${s.port}` : ''}`;
}

function profileJson(p: Profile, def: string | undefined): Record<string, unknown> {
  return { ...p, default: p.name === def };
}

const list: CommandSpec = {
  name: 'list',
  maxPositionals: 0,
  summary: 'list saved server profiles',
  usage: 'hosts list [--json]',
  options: { json: { type: 'boolean', description: 'print JSON' }, ...configOption },
  run: async (ctx) => {
    const store = storeFor(ctx);
    const profiles = store.list();
    const def = store.defaultName();
    if (ctx.values.json) {
      ctx.stdout.write(JSON.stringify(profiles.map((p) => profileJson(p, def)), null, 2) + '\n');
      return EXIT.ok;
    }
    if (profiles.length === 0) {
      ctx.stdout.write(`No saved servers in ${store.path}.\nAdd one: opsdeck hosts add NAME user@host[:port]\n`);
      return EXIT.ok;
    }
    const rows = profiles.map((p) => [
      p.name + (p.name === def ? ' *' : ''),
      p.group ?? '',
      p.environment ?? '',
      describeProfile(p),
      p.socket ?? DEFAULT_DOCKER_SOCKET,
      p.compose?.directory ?? '',
    ]);
    const head = ['NAME', 'GROUP', 'ENV', 'TARGET', 'DOCKER SOCKET', 'COMPOSE DIR'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    ctx.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
    if (def) ctx.stdout.write('(* = default when no --host is given)\n');
    return EXIT.ok;
  },
};

const add: CommandSpec = {
  name: 'add',
  summary: 'save a server profile',
  usage:
    'hosts add NAME [user@]host[:port] [--identity FILE] [--socket PATH] [--compose-dir DIR] [--project P]... [--group NAME] [--environment WORD] [--colour NAME] [--readonly] [--default] [--replace]',
  options: {
    identity: { type: 'string', valueName: 'FILE', description: 'private key for this server (ssh_config IdentityFile entries are tried too)' },
    socket: { type: 'string', valueName: 'PATH', description: 'the Docker socket on the server (default /var/run/docker.sock)' },
    'compose-dir': { type: 'string', valueName: 'DIR', description: 'where the compose files live on the server' },
    project: { type: 'string', multiple: true, valueName: 'NAME', description: 'compose project to show (repeat for several; default all)' },
    'allow-password': { type: 'boolean', description: 'allow password / keyboard-interactive login for this server' },
    local: { type: 'boolean', description: 'a profile for running on the server itself (no SSH)' },
    group: { type: 'string', valueName: 'NAME', description: 'the fleet this server belongs to (opsdeck --group NAME)' },
    environment: { type: 'string', valueName: 'WORD', description: 'production, staging or another word; production asks for the name to be typed before destructive actions' },
    colour: { type: 'string', valueName: 'NAME', description: `draw the server's name in this colour: ${PROFILE_COLOURS.join(', ')}` },
    readonly: { type: 'boolean', description: 'always open this server read-only (as --readonly)' },
    default: { type: 'boolean', description: 'use this profile when no --host is given' },
    replace: { type: 'boolean', description: 'overwrite a profile of the same name (whole: a field not given again is cleared)' },
    ...configOption,
  },
  run: async (ctx) => {
    const [name, dest, ...extra] = ctx.positionals;
    const v = ctx.values;
    if (!name) throw new UserError('hosts add: needs a NAME', { hint: "Usage: opsdeck hosts add NAME user@host[:port]" });
    if (extra.length) throw new UserError(`hosts add: unexpected argument '${extra[0]}'`);
    if (v.local && dest) throw new UserError('hosts add: give either a destination or --local, not both');
    if (!v.local && !dest) throw new UserError('hosts add: needs a destination ([user@]host[:port] or an ssh_config Host alias), or --local');
    const profile: Profile = { name };
    if (v.local) profile.local = true;
    else {
      const d = parseDestination(dest!);
      profile.ssh = {
        host: d.host,
        ...(d.user ? { user: d.user } : {}),
        ...(d.port ? { port: d.port } : {}),
        ...(typeof v.identity === 'string' ? { identityFile: v.identity } : {}),
        ...(v['allow-password'] ? { allowPassword: true } : {}),
      };
    }
    if (typeof v.socket === 'string') profile.socket = v.socket;
    const projects = Array.isArray(v.project) ? v.project : [];
    if (typeof v['compose-dir'] === 'string' || projects.length) {
      profile.compose = { ...(typeof v['compose-dir'] === 'string' ? { directory: v['compose-dir'] } : {}), ...(projects.length ? { projects } : {}) };
    }
    Object.assign(profile, markings(v));
    const store = storeFor(ctx);
    store.add(profile, { replace: v.replace === true, makeDefault: v.default === true });
    ctx.stdout.write(`Saved '${name}' (${describeProfile(profile)}) in ${store.path}.\nCheck it: opsdeck doctor --host ${name}\n`);
    return EXIT.ok;
  },
};

/**
 * The fields that mark a server (fleet, environment, colour, read-only), taken as given: the
 * profile schema judges them when the store saves, so a bad one is the store's one-line message.
 */
export function markings(v: CommandContext['values']): Pick<Profile, 'group' | 'environment' | 'colour' | 'readonly'> {
  return {
    ...(typeof v.group === 'string' ? { group: v.group } : {}),
    ...(typeof v.environment === 'string' ? { environment: v.environment } : {}),
    // Unchecked here on purpose: the schema's enum message lists the colours there are.
    ...(typeof v.colour === 'string' ? { colour: v.colour as Profile['colour'] } : {}),
    ...(v.readonly === true ? { readonly: true } : {}),
  };
}

/** `hosts show` lines for the markings a profile has; none for those it leaves out. */
export function markingRows(p: Profile): [string, string][] {
  const rows: [string, string][] = [];
  if (p.group) rows.push(['group', p.group]);
  if (p.environment) rows.push(['environment', p.environment + (isProduction(p) ? ' (destructive actions ask for the name to be typed)' : '')]);
  const colour = serverColour(p);
  if (colour) rows.push(['colour', p.colour ? colour : `${colour} (production's, as no colour is set)`]);
  if (p.readonly) rows.push(['read-only', 'yes: opens read-only, as with --readonly']);
  return rows;
}

const remove: CommandSpec = {
  name: 'remove',
  maxPositionals: 1,
  summary: 'delete a saved server profile',
  usage: 'hosts remove NAME',
  options: { ...configOption },
  run: async (ctx) => {
    const name = ctx.positionals[0];
    if (!name) throw new UserError('hosts remove: needs a NAME');
    const store = storeFor(ctx);
    if (!store.remove(name)) throw new UserError(`no saved server named '${name}' in ${store.path}`, { hint: "See 'opsdeck hosts list'." });
    ctx.stdout.write(`Removed '${name}'.\n`);
    return EXIT.ok;
  },
};

function targetJson(t: Target): Record<string, unknown> {
  if (t.kind === 'local') return { kind: 'local', socketPath: t.socketPath };
  return {
    kind: 'ssh',
    destination: endpointLabel(t),
    host: t.host,
    port: t.port,
    user: t.user,
    identityFiles: t.identityFiles,
    identitiesOnly: t.identitiesOnly,
    agent: t.agentSocket ?? null,
    knownHostsFiles: [...t.knownHosts.userFiles, ...t.knownHosts.globalFiles],
    strictHostKeyChecking: t.strictHostKeyChecking,
    via: t.via.kind === 'jump' ? { proxyJump: hopChain(t).slice(0, -1).map(endpointLabel) } : t.via.kind === 'command' ? { proxyCommand: t.via.command } : null,
    connectTimeoutMs: t.connectTimeoutMs,
    keepaliveIntervalMs: t.keepaliveIntervalMs,
    passwordAllowed: t.auth.password,
    socketPath: t.socketPath,
    sshConfigFiles: t.sshConfigFiles,
    warnings: t.warnings,
  };
}

const show: CommandSpec = {
  name: 'show',
  maxPositionals: 1,
  summary: 'show a profile and what the connection will use (after ssh_config)',
  usage: 'hosts show NAME [--json]',
  options: {
    json: { type: 'boolean', description: 'print JSON' },
    'ssh-config': { type: 'string', valueName: 'PATH', description: 'read this ssh_config instead of ~/.ssh/config (as ssh -F)' },
    ...configOption,
  },
  run: async (ctx) => {
    const name = ctx.positionals[0];
    if (!name) throw new UserError('hosts show: needs a NAME');
    const store = storeFor(ctx);
    const profile = store.get(name);
    if (!profile) throw new UserError(`no saved server named '${name}' in ${store.path}`, { hint: "See 'opsdeck hosts list'." });
    const sshConfig = ctx.values['ssh-config'];
    const target = await resolveTarget({ host: name, ...(typeof sshConfig === 'string' ? { 'ssh-config': sshConfig } : {}) }, ctx.env, { store });
    const def = store.defaultName();
    if (ctx.values.json) {
      ctx.stdout.write(JSON.stringify({ profile: profileJson(profile, def), resolved: targetJson(target) }, null, 2) + '\n');
      return EXIT.ok;
    }
    const rows: [string, string][] = [['profile', `${name}${name === def ? ' (default)' : ''} in ${store.path}`]];
    if (target.kind === 'local') rows.push(['mode', 'local (no SSH)'], ['docker socket', target.socketPath]);
    else {
      rows.push(['destination', endpointLabel(target) + (target.name !== target.host ? ` (ssh_config Host ${target.name})` : '')]);
      if (target.via.kind === 'jump') rows.push(['via', `ProxyJump ${hopChain(target).slice(0, -1).map(endpointLabel).join(' → ')}`]);
      if (target.via.kind === 'command') rows.push(['via', `ProxyCommand ${target.via.command}`]);
      rows.push(['identities', target.identityFiles.join(', ') || '(none found)'] as [string, string]);
      rows.push(['ssh-agent', target.agentSocket ?? 'not used']);
      rows.push(['known_hosts', [...target.knownHosts.userFiles, ...target.knownHosts.globalFiles].join(', ')]);
      rows.push(['host keys', `StrictHostKeyChecking ${target.strictHostKeyChecking}; a changed key is always refused`]);
      rows.push(['password login', target.auth.password ? 'allowed' : 'not allowed']);
      rows.push(['docker socket', target.socketPath]);
      if (target.sshConfigFiles.length) rows.push(['ssh_config', target.sshConfigFiles.join(', ')]);
      for (const w of target.warnings) rows.push(['warning', w]);
    }
    if (profile.compose?.directory) rows.push(['compose dir', profile.compose.directory]);
    if (profile.compose?.projects) rows.push(['projects', profile.compose.projects.join(', ')]);
    rows.push(...markingRows(profile));
    const w = Math.max(...rows.map((r) => r[0].length));
    ctx.stdout.write(rows.map(([k, val]) => `${k.padEnd(w)}  ${val}`).join('\n') + '\n');
    return EXIT.ok;
  },
};

export const hostsCommand: CommandSpec = {
  name: 'hosts',
  summary: 'manage saved servers (profiles)',
  usage: 'hosts list|add|remove|show',
  options: {},
  subcommands: [list, add, remove, show],
};
