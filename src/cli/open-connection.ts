import type { Readable, Writable } from 'node:stream';
import type { CommandContext } from './command.js';
import type { ConnectionFlags } from './connection-options.js';
import { ConnectError } from '../transport/connect-errors.js';
import { quoteArg } from '../transport/shell-quote.js';
import { connect, type ConnectOptions, type ServerConnection } from '../transport/connection.js';
import { cliPrompter } from '../transport/prompter.js';
import { resolveTarget, type ResolveOptions, type Target } from '../transport/target.js';
import { probeBootState } from '../unlock/boot-state.js';
import { resolveUnlockEndpoint } from '../unlock/unlock-settings.js';
import { UserError } from '../errors.js';

/** Knocks only (no login); short, because it runs after a connect that already failed. */
const LOCKED_PROBE_MS = 2000;

/**
 * How every non-interactive command reaches its server: the connection flags, the CLI prompter
 * (unknown host keys refused unless accept-new; passphrases asked on a TTY with echo off), and
 * no reconnect loop: a script wants a clear failure, not a wait.
 */
export async function openConnection(
  ctx: Pick<CommandContext, 'values' | 'env' | 'stdin' | 'stderr' | 'connection'>,
  opts: { resolve?: ResolveOptions; connect?: ConnectOptions } = {},
): Promise<ServerConnection> {
  if (ctx.connection) return ctx.connection;
  const flags = ctx.values as ConnectionFlags;
  const target = await resolveTarget(flags, ctx.env, opts.resolve);
  const prompter = cliPrompter({ stdin: ctx.stdin as Readable & { isTTY?: boolean }, stderr: ctx.stderr as Writable });
  try {
    return await connect(target, prompter, { reconnect: false, env: ctx.env, ...opts.connect });
  } catch (err) {
    throw (await lockedServerError(err, target, flags, ctx.env, opts.resolve)) ?? err;
  }
}

/**
 * sshd refused or never answered: a server waiting in its initramfs looks exactly like that.
 * Knock on its unlock port, and if Dropbear answers, say what it is and what to run instead of
 * "connection refused".
 */
async function lockedServerError(err: unknown, target: Target, flags: ConnectionFlags, env: NodeJS.ProcessEnv, resolve: ResolveOptions | undefined): Promise<UserError | undefined> {
  if (target.kind !== 'ssh' || !(err instanceof ConnectError) || (err.step !== 'tcp' && err.step !== 'handshake')) return undefined;
  try {
    const boot = await probeBootState(target, await resolveUnlockEndpoint(target, flags, env, resolve), LOCKED_PROBE_MS);
    if (boot.state !== 'waiting-for-passphrase') return undefined;
    const host = flags.host ? ` --host ${quoteArg(flags.host)}` : '';
    return new UserError(boot.message, { hint: `Unlock its disks with: opsdeck unlock${host}`, exitCode: 2 });
  } catch {
    // Unlock settings that do not resolve: the connect error says enough.
    return undefined;
  }
}

/** Run `fn` with a connection and always close it, whatever happens. */
export async function withConnection<T>(
  ctx: Pick<CommandContext, 'values' | 'env' | 'stdin' | 'stderr' | 'connection'>,
  fn: (conn: ServerConnection) => Promise<T>,
  opts: { resolve?: ResolveOptions; connect?: ConnectOptions } = {},
): Promise<T> {
  const conn = await openConnection(ctx, opts);
  try {
    return await fn(conn);
  } finally {
    if (conn !== ctx.connection) await conn.close().catch(() => undefined);
  }
}
