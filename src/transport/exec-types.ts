/**
 * The shape of running a command on the server, shared by the SSH transport (exec channels)
 * and the local one (execa). Commands are argv arrays; over SSH they are turned into one
 * string by shellCommand() and nothing else.
 */
import type { Readable, Writable } from 'node:stream';

export interface ExecOptions {
  /** Bytes for the command's stdin (then closed). Without it stdin is closed at once. */
  stdin?: Buffer | string;
  /** No terminal is ever allocated; the option exists so callers can say so explicitly. */
  pty?: false;
  /** Fail when stdout or stderr grow beyond this (default DEFAULT_MAX_BUFFER): use execStream for big outputs. */
  maxBuffer?: number;
  /** Kill the command (and fail) after this long (default DEFAULT_EXEC_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface ExecResult {
  /** Exit status; null when the command died of a signal. */
  code: number | null;
  signal?: string;
  /** Raw text from the server: sanitise before showing it. */
  stdout: string;
  stderr: string;
}

export interface ExecStream {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves when the command has exited and its output ended; rejects if the connection dropped. */
  wait(): Promise<{ code: number | null; signal?: string }>;
  /** Ask the command to stop (SIGTERM where the server supports signals) and close the channel. */
  kill(): void;
}

/**
 * Every collected exec is bounded in time and memory, whatever its caller forgot: a server that
 * never answers, or answers without end, costs at most this. The commands opsdeck runs answer in
 * kilobytes; the two that list a lot (backup listing, lsinitramfs) ask for 32 MiB, and the slow
 * ones (provisioning steps, row counts, a restore test) for their own longer time.
 */
export const DEFAULT_MAX_BUFFER = 8 * 1024 * 1024;
export const DEFAULT_EXEC_TIMEOUT_MS = 120_000;

/** The bounds an exec runs with: the caller's, else the defaults. */
export function execBounds(opts: Pick<ExecOptions, 'maxBuffer' | 'timeoutMs'>): { maxBuffer: number; timeoutMs: number } {
  return {
    maxBuffer: opts.maxBuffer && opts.maxBuffer > 0 ? opts.maxBuffer : DEFAULT_MAX_BUFFER,
    timeoutMs: opts.timeoutMs && opts.timeoutMs > 0 ? opts.timeoutMs : DEFAULT_EXEC_TIMEOUT_MS,
  };
}

/** The one line for an exec that ran out of time. */
export function execTimeoutMessage(argv: readonly string[], timeoutMs: number): string {
  const secs = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
  return `'${argv[0] ?? ''}' did not finish within ${secs}`;
}
