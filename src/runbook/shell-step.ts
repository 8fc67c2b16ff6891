/**
 * How a shell step reaches the server. The program travels on the exec channel's stdin, never in
 * the command line: parameters (secrets among them) would otherwise sit in argv, where `ps` on
 * the server shows them to every user. The command line is fixed: `timeout … sh -s`.
 *
 * Parameters and earlier captures become exported variables, each value quoted by the one
 * quoting function. The step's own script runs in a subshell with stdin from /dev/null, so a
 * command in it that reads stdin (docker exec -i, ssh, read) cannot swallow the rest of the
 * program, and `exit` in it ends only the step. Afterwards the wrapper prints a random boundary
 * line and the $OPSDECK_OUT file, where the step wrote its KEY=VALUE captures.
 */
import { randomBytes } from 'node:crypto';
import { quoteArg } from '../transport/shell-quote.js';
import type { ShellBody } from './runbook-types.js';

/** Seconds sshd's `timeout` waits after TERM before KILL: a step that ignores TERM still ends. */
const KILL_AFTER_S = 5;
export const MAX_CAPTURES = 64;
export const MAX_CAPTURE_VALUE = 4096;
const CAPTURE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface ShellProgram {
  argv: string[];
  stdin: string;
  /** The line that separates the step's output from its captures. */
  boundary: string;
}

export function newBoundary(): string {
  return `--opsdeck-captures-${randomBytes(12).toString('hex')}--`;
}

export function shellProgram(
  body: ShellBody,
  vars: ReadonlyArray<readonly [string, string]>,
  opts: { timeoutMs: number; directory?: string | undefined; boundary?: string },
): ShellProgram {
  const boundary = opts.boundary ?? newBoundary();
  const secs = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  const lines: string[] = [];
  for (const [name, value] of vars) lines.push(`${name}=${quoteArg(value)}; export ${name}`);
  lines.push('OPSDECK_OUT=$(mktemp "${TMPDIR:-/tmp}/opsdeck-out.XXXXXX") || exit 125', 'export OPSDECK_OUT');
  // A step fails at its first failing command, as CI systems run scripts (set -e); bash also
  // fails a pipeline when any stage fails.
  const strict = body.shell === 'bash' ? 'set -e -o pipefail' : 'set -e';
  const cd = opts.directory ? `cd -- ${quoteArg(opts.directory)}\n` : '';
  lines.push(`(\n${strict}\n${cd}${body.script.replace(/\n*$/, '')}\n) </dev/null`);
  lines.push('opsdeck_rc=$?', `printf '\\n%s\\n' ${quoteArg(boundary)}`, 'cat -- "$OPSDECK_OUT"', 'rm -f -- "$OPSDECK_OUT"', 'exit "$opsdeck_rc"');
  return { argv: ['timeout', '-k', String(KILL_AFTER_S), String(secs), body.shell, '-s'], stdin: lines.join('\n') + '\n', boundary };
}

/**
 * KEY=VALUE lines from $OPSDECK_OUT. Anything else is ignored and reported: the file is written
 * by the step's own commands and is as untrusted as their output. A later line for the same key
 * wins, as it would in a shell.
 */
export function parseCaptures(text: string): { captures: Map<string, string>; ignored: number } {
  const captures = new Map<string, string>();
  let ignored = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    if (!CAPTURE_KEY.test(key) || key.startsWith('OPSDECK_') || (!captures.has(key) && captures.size >= MAX_CAPTURES)) {
      ignored++;
      continue;
    }
    captures.set(key, line.slice(eq + 1).slice(0, MAX_CAPTURE_VALUE));
  }
  return { captures, ignored };
}
