/**
 * The three calls the TUI needs, from what it already has (a Target, the connection flags, a
 * ServerConnection): is this server waiting for its passphrase, the Unlock screen's store and
 * actions, and the setup check panel's.
 */
import type { ConnectionFlags } from '../transport/connection-flags.js';
import type { ServerConnection } from '../transport/connection.js';
import type { Prompter } from '../transport/prompter.js';
import type { Target } from '../transport/target.js';
import { probeBootState, type BootState } from './boot-state.js';
import { createUnlockCheck, type UnlockCheckActions, type UnlockCheckStore } from './check/unlock-check-store.js';
import { resolveUnlockEndpoint, requireSshTarget } from './unlock-settings.js';
import { createUnlockSession, type UnlockActions, type UnlockStore, type UnlockStoreOptions } from './unlock-store.js';

/**
 * After a failed connect: knock on sshd and the initramfs. undefined for local mode. Cheap (two
 * TCP connections, no login), so the grid and the Hosts screen can ask whenever a server is down.
 */
export async function recogniseLockedServer(target: Target, flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<BootState | undefined> {
  if (target.kind !== 'ssh') return undefined;
  return probeBootState(target, await resolveUnlockEndpoint(target, flags, env));
}

/** The Unlock screen's store and actions. `mainPrompter` answers for the server's own sshd (the session's PromptStore). */
export async function openUnlock(
  target: Target,
  flags: ConnectionFlags,
  opts: UnlockStoreOptions & { mainPrompter: Prompter; env?: NodeJS.ProcessEnv },
): Promise<{ store: UnlockStore; actions: UnlockActions }> {
  const main = requireSshTarget(target, 'unlock');
  const endpoint = await resolveUnlockEndpoint(main, flags, opts.env ?? process.env);
  return createUnlockSession(main, endpoint, opts);
}

/** The check panel over the live connection (local mode works too, without pinning). */
export async function openUnlockCheck(conn: ServerConnection, flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<{ store: UnlockCheckStore; actions: UnlockCheckActions }> {
  const endpoint = conn.target.kind === 'ssh' ? await resolveUnlockEndpoint(conn.target, flags, env) : undefined;
  return createUnlockCheck(conn, endpoint);
}
