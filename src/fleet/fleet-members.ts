/**
 * Which servers a fleet request names: `--group G` (saved profiles in that group) or
 * `--host a,b,c` (each word exactly as a single --host would resolve it). Every command that
 * takes several servers (status, the TUI) starts here, so they agree on names and order.
 */
import fs from 'node:fs';
import { UserError } from '../errors.js';
import { profileStorePath } from '../config/profile-path.js';
import type { Profile } from '../config/profile-schema.js';
import type { ConnectionFlags } from '../transport/connection-flags.js';
import { resolveTarget, type ProfileLookup, type ResolveOptions, type Target } from '../transport/target.js';

/** More than this is a typo or a pasted list, not a fleet one person watches: and each is one SSH connection. */
export const MAX_FLEET_SIZE = 32;

export interface FleetMember {
  /** The profile name, or the --host word as typed: what the fleet calls this server. */
  name: string;
  target: Target;
  profile: Profile | undefined;
}

/** True when the flags ask for several servers: --group, or --host with a comma. */
export function isFleetRequest(flags: ConnectionFlags): boolean {
  return flags.group !== undefined || (flags.host !== undefined && flags.host.includes(','));
}

/** A store that can also list: --group needs every profile, not one by name. */
interface ProfileListing extends ProfileLookup {
  list(): Profile[];
}

function canList(store: ProfileLookup | undefined): store is ProfileListing {
  return typeof (store as Partial<ProfileListing> | undefined)?.list === 'function';
}

async function openListing(flags: ConnectionFlags, env: NodeJS.ProcessEnv, given: ProfileLookup | undefined): Promise<ProfileListing> {
  if (canList(given)) return given;
  const opts = { ...(flags.config ? { configPath: flags.config } : {}), env };
  if (!fs.existsSync(profileStorePath(opts))) return { get: () => undefined, defaultName: () => undefined, list: () => [] };
  const { ProfileStore } = await import('../config/profile-store.js');
  // Opened once and handed to every resolveTarget below, so the file is validated once.
  return ProfileStore.open(opts);
}

function groupMembers(group: string, store: ProfileListing): Profile[] {
  const all = store.list();
  const members = all.filter((p) => p.group === group).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (members.length > 0) return members;
  const groups = [...new Set(all.map((p) => p.group).filter((g): g is string => g !== undefined))].sort();
  const known = groups.length ? `groups that exist: ${groups.join(', ')}` : 'no saved profile has a group';
  throw new UserError(`--group ${group}: no saved profile is in that group (${known})`, {
    hint: 'A saved profile joins a group with "group": "NAME" in the profile store.',
  });
}

function hostWords(list: string): string[] {
  const words = list.split(',').map((w) => w.trim());
  if (words.some((w) => w === '')) throw new UserError(`--host ${list}: an empty server name in the list`, { hint: 'Separate server names with single commas: --host web-1,db-1' });
  const seen = new Set<string>();
  for (const w of words) {
    if (seen.has(w)) throw new UserError(`--host ${list}: '${w}' is named twice`);
    seen.add(w);
  }
  return words;
}

/**
 * --group G: every saved profile whose `group` is G, in profile-name order (none: a one-line
 * UserError naming the groups that exist). --host a,b,c: each word resolved as a single --host
 * is (profile, ssh_config alias or user@host[:port]); duplicates and empty words refused; at
 * most MAX_FLEET_SIZE servers.
 */
export async function resolveFleet(flags: ConnectionFlags, env: NodeJS.ProcessEnv, opts: ResolveOptions = {}): Promise<FleetMember[]> {
  if (flags.group !== undefined && flags.host !== undefined) throw new UserError('--group and --host both name servers: give one of them');
  if (flags.local) throw new UserError('--local is this machine only: it cannot be combined with --group or a list of hosts');
  let names: string[];
  let store: ProfileListing;
  if (flags.group !== undefined) {
    if (flags.group.trim() === '') throw new UserError('--group needs a value');
    store = await openListing(flags, env, opts.store);
    names = groupMembers(flags.group, store).map((p) => p.name);
  } else if (flags.host !== undefined) {
    names = hostWords(flags.host);
    store = await openListing(flags, env, opts.store);
  } else {
    throw new UserError('no servers named: give --group NAME or --host a,b');
  }
  if (names.length > MAX_FLEET_SIZE) throw new UserError(`${names.length} servers named: at most ${MAX_FLEET_SIZE} at once`);

  const single: ConnectionFlags = { ...flags };
  delete single.group;
  const members: FleetMember[] = [];
  for (const name of names) {
    const target = await resolveTarget({ ...single, host: name }, env, { ...opts, store });
    members.push({ name, target, profile: target.profile });
  }
  return members;
}
