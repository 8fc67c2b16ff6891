/**
 * Where the profile store lives, and the name rules the rest of the code checks against,
 * without the store itself: reading the store loads conf and zod, which a command that was
 * given its server on the command line never needs (a fifth of `opsdeck logs --tail`'s start-up).
 */
import os from 'node:os';
import path from 'node:path';

export interface ProfileStoreOptions {
  /** --config PATH */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
}

/** Where the store lives: --config, else OPSDECK_CONFIG, else $XDG_CONFIG_HOME/opsdeck/config.json. */
export function profileStorePath(opts: ProfileStoreOptions = {}): string {
  const env = opts.env ?? process.env;
  const explicit = opts.configPath ?? env.OPSDECK_CONFIG;
  if (explicit) return path.resolve(explicit.startsWith('~/') ? path.join(env.HOME ?? os.homedir(), explicit.slice(2)) : explicit);
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'opsdeck', 'config.json');
}

/** Profile names are used on the command line (--host NAME) and as record keys: keep them plain. */
export const PROFILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Host names, IPv4/IPv6 addresses and ssh_config aliases; no shell metacharacters (they reach ProxyCommand %h). */
export const HOST_RE = /^[A-Za-z0-9_.:%-]{1,253}$/;
/** POSIX-ish user names. */
export const USER_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
