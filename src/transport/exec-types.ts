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
  /** Fail when stdout or stderr grow beyond this (default 64 MiB): use execStream for big outputs. */
  maxBuffer?: number;
  /** Kill the command (and fail) after this long. */
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

export const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;
