/**
 * Errors a user can cause (bad flag, unknown host, bad config file) are UserErrors: they print as
 * one line plus a hint and never show a stack. Anything else is a bug and keeps its stack behind
 * OPSDECK_DEBUG=1.
 */
import { sanitise } from './text/sanitise.js';

export class UserError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'UserError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 2;
  }
}

/** Exit codes shared by every command, so scripts and monitoring checks can rely on them. */
export const EXIT = {
  ok: 0,
  /** Something is degraded (status), a check failed (audit), a backup is stale. */
  degraded: 1,
  /** Usage or configuration error, or the server could not be reached. */
  error: 2,
} as const;

export function isDebug(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.OPSDECK_DEBUG === '1' || env.OPSDECK_DEBUG === 'true';
}

/** The one line (and optional hint) printed for a failure. Messages are single-line by construction. */
export function formatError(err: unknown, debug = isDebug()): string {
  // Messages may quote a server's words (Docker API errors, sshd banners): sanitise them too.
  const oneLine = (s: string) => sanitise(s.replace(/\s*\n\s*/g, ' ').trim());
  if (err instanceof UserError) {
    let s = `opsdeck: ${oneLine(err.message)}`;
    if (err.hint) s += `\n${oneLine(err.hint)}`;
    if (debug && err.stack) s += `\n${err.stack}`;
    return s;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  let s = `opsdeck: internal error: ${oneLine(e.message)}`;
  s += debug ? `\n${e.stack ?? ''}` : '\n(set OPSDECK_DEBUG=1 for details, and please report it)';
  return s;
}
