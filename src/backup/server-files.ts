/**
 * Small files on the server, written atomically (a temporary file renamed into place) with the
 * content on stdin: paths travel as argv, content never touches a command line.
 */
import { bash } from './bash-text.js';
import { BackupError } from './backup-error.js';
import { sanitise } from '../text/sanitise.js';
import type { ServerConnection } from '../transport/connection.js';

const WRITE = bash`
umask 077
tmp="$1.tmp.$$"
mkdir -p -- "\${1%/*}" && cat >"$tmp" && chmod "$2" -- "$tmp" && mv -T -- "$tmp" "$1" || { rm -f -- "$tmp"; exit 1; }`;

export async function writeServerFile(conn: Pick<ServerConnection, 'exec'>, path: string, content: string, mode: '600' | '700' = '600'): Promise<void> {
  const r = await conn.exec(['bash', '-c', WRITE, 'opsdeck-write', path, mode], { stdin: content, timeoutMs: 60_000 });
  if (r.code !== 0) throw new BackupError(`cannot write ${path} on the server: ${sanitise(lastLine(r.stderr) || `exit ${r.code}`)}`);
}

/** The last `lines` lines of a text file on the server ('' when it does not exist), sanitised. */
export async function tailServerFile(conn: Pick<ServerConnection, 'exec'>, path: string, lines: number): Promise<string> {
  const r = await conn.exec(['bash', '-c', 'if [ -f "$1" ]; then tail -n "$2" -- "$1"; fi', 'opsdeck-tail', path, String(lines)], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new BackupError(`cannot read ${path} on the server: ${sanitise(lastLine(r.stderr) || `exit ${r.code}`)}`);
  return sanitise(r.stdout, { multiline: true });
}

export function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}
