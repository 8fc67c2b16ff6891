/**
 * The TUI's last resort: an error nothing caught would otherwise leave the operator's terminal
 * in raw mode with the cursor hidden (Ink's state) and a stack trace over the last frame. Instead
 * the terminal is put back, one sanitised line is printed, and the process exits 1 at once: after
 * an uncaught error nothing in it can be trusted to still work.
 */
import fs from 'node:fs';
import { isDebug } from '../errors.js';
import { sanitise } from '../text/sanitise.js';

/**
 * Bracketed paste off, the alternate screen left (1047, not 1049: 1049 also restores a saved
 * cursor position, which moves to the top-left when nothing was saved), SGR reset, cursor shown.
 * Each is harmless when it was not on.
 */
export const TERMINAL_RESTORE = '\u001b[?2004l\u001b[?1047l\u001b[0m\u001b[?25h';

interface Io {
  stdin: { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: { fd?: number; write(s: string): unknown };
  stderr: { fd?: number; write(s: string): unknown };
}

/** The one line: the message only (sanitised, on one line); the stack only with OPSDECK_DEBUG=1. */
export function lastResortLine(err: unknown, debug = isDebug()): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const message = sanitise(String(e.message).replace(/\s+/g, ' ').trim()).slice(0, 300);
  const line = `opsdeck: internal error: ${message} (set OPSDECK_DEBUG=1 for details, and please report it)`;
  return debug && e.stack ? `${line}\n${e.stack}` : line;
}

/** Install for the lifetime of the TUI; returns the uninstaller. */
export function installLastResort(io: Io, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  let fired = false;
  const handler = (err: unknown) => {
    if (fired) return;
    fired = true;
    try {
      if (io.stdin.isTTY) io.stdin.setRawMode?.(false);
    } catch {
      // The terminal may be gone already.
    }
    // Synchronous writes: the process exits right after.
    writeNow(io.stdout, `${TERMINAL_RESTORE}\r\n`);
    writeNow(io.stderr, `${lastResortLine(err)}\n`);
    exit(1);
  };
  // Prepended: the entry's own unhandledRejection handler (one line, and carry on) is for the
  // commands; in the TUI the terminal has to be put back first.
  process.prependListener('uncaughtException', handler);
  process.prependListener('unhandledRejection', handler);
  return () => {
    process.removeListener('uncaughtException', handler);
    process.removeListener('unhandledRejection', handler);
  };
}

function writeNow(stream: Io['stdout'], text: string): void {
  try {
    if (typeof stream.fd === 'number') fs.writeSync(stream.fd, text);
    else stream.write(text);
  } catch {
    // Nothing left to tell.
  }
}
