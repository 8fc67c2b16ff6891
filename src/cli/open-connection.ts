import type { Readable, Writable } from 'node:stream';
import type { CommandContext } from './command.js';
import type { ConnectionFlags } from './connection-options.js';
import { connect, type ConnectOptions, type ServerConnection } from '../transport/connection.js';
import { cliPrompter } from '../transport/prompter.js';
import { resolveTarget, type ResolveOptions } from '../transport/target.js';

/**
 * How every non-interactive command reaches its server: the connection flags, the CLI prompter
 * (unknown host keys refused unless accept-new; passphrases asked on a TTY with echo off), and
 * no reconnect loop: a script wants a clear failure, not a wait.
 */
export async function openConnection(
  ctx: Pick<CommandContext, 'values' | 'env' | 'stdin' | 'stderr'>,
  opts: { resolve?: ResolveOptions; connect?: ConnectOptions } = {},
): Promise<ServerConnection> {
  const flags = ctx.values as ConnectionFlags;
  const target = await resolveTarget(flags, ctx.env, opts.resolve);
  const prompter = cliPrompter({ stdin: ctx.stdin as Readable & { isTTY?: boolean }, stderr: ctx.stderr as Writable });
  return connect(target, prompter, { reconnect: false, env: ctx.env, ...opts.connect });
}

/** Run `fn` with a connection and always close it, whatever happens. */
export async function withConnection<T>(
  ctx: Pick<CommandContext, 'values' | 'env' | 'stdin' | 'stderr'>,
  fn: (conn: ServerConnection) => Promise<T>,
  opts: { resolve?: ResolveOptions; connect?: ConnectOptions } = {},
): Promise<T> {
  const conn = await openConnection(ctx, opts);
  try {
    return await fn(conn);
  } finally {
    await conn.close().catch(() => undefined);
  }
}
