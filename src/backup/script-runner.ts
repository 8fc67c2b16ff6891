/**
 * Runs the generated backup script on the server over the connection's execStream, as argv:
 * `bash -c SCRIPT opsdeck-backup --live ARGS…` (the one quoting function turns that into the
 * SSH command line). stdin stays open for the whole run: it is the run's lifeline, and ending
 * it is how a run is cancelled (the script then stops its pipeline and removes partial files,
 * exactly as when opsdeck is killed or the connection drops).
 */
import type { ServerConnection } from '../transport/connection.js';
import { LineSplitter, Tail, parseEventLine, type ScriptEvent } from './script-events.js';

export interface ScriptRunOptions {
  args?: readonly string[];
  onEvent?: (e: ScriptEvent) => void;
  signal?: AbortSignal;
  /** After cancelling, how long the server gets to clean up before the channel is closed. */
  cancelGraceMs?: number;
}

export interface ScriptRunResult {
  /** The script's exit status; null when it died of a signal or the connection was lost. */
  code: number | null;
  events: ScriptEvent[];
  /** The last lines of stderr (tool messages), sanitised. */
  stderr: string[];
  cancelled: boolean;
  /** Set when the connection dropped during the run. */
  lost?: string;
}

export const SCRIPT_NAME = 'opsdeck-backup';

export function scriptArgv(script: string, args: readonly string[]): string[] {
  return ['bash', '-c', script, SCRIPT_NAME, '--live', ...args];
}

export async function runScript(conn: Pick<ServerConnection, 'execStream'>, script: string, opts: ScriptRunOptions = {}): Promise<ScriptRunResult> {
  const stream = await conn.execStream(scriptArgv(script, opts.args ?? []));
  const events: ScriptEvent[] = [];
  const stderr = new Tail(30);
  const out = new LineSplitter();
  const err = new LineSplitter();
  let cancelled = false;
  const onLine = (line: string) => {
    const e = parseEventLine(line);
    if (!e) {
      if (line.trim()) stderr.add(line);
      return;
    }
    events.push(e);
    opts.onEvent?.(e);
  };
  stream.stdout.on('data', (c: Buffer) => out.push(c).forEach(onLine));
  stream.stderr.on('data', (c: Buffer) => err.push(c).forEach((l) => stderr.add(l)));
  const outEnded = new Promise<void>((resolve) => {
    stream.stdout.once('end', resolve);
    stream.stdout.once('close', resolve);
  });
  let killTimer: NodeJS.Timeout | undefined;
  const cancel = () => {
    if (cancelled) return;
    cancelled = true;
    stream.stdin.end();
    killTimer = setTimeout(() => stream.kill(), opts.cancelGraceMs ?? 30_000);
  };
  if (opts.signal?.aborted) cancel();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const r = await stream.wait();
    // The last lines may trail the exit status a little; do not wait for ever (nor keep the process alive).
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([outEnded, new Promise((res) => (grace = setTimeout(res, 1000)))]);
    clearTimeout(grace);
    out.end().forEach(onLine);
    err.end().forEach((l) => stderr.add(l));
    return { code: r.code, events, stderr: stderr.lines(), cancelled };
  } catch (e) {
    return { code: null, events, stderr: stderr.lines(), cancelled, lost: (e as Error).message };
  } finally {
    if (killTimer) clearTimeout(killTimer);
    opts.signal?.removeEventListener('abort', cancel);
    // Nothing more to say: let the channel close.
    if (!stream.stdin.writableEnded) stream.stdin.end();
  }
}
