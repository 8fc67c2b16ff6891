/**
 * Exact row counts of every ordinary table, from one query (query_to_xml runs a count(*) per
 * table inside the server, so no SQL is assembled here), and the comparison of a restored copy
 * with the live database.
 */
import { sanitise } from '../text/sanitise.js';
import type { ServerConnection } from '../transport/connection.js';
import { BackupError } from './backup-error.js';
import { lastLine } from './server-files.js';

export const ROW_COUNT_SQL = `SELECT n.nspname || '.' || c.relname,
  (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1`;

export type RowCounts = Map<string, number>;

/** `containerId` is the full id (never a name the server chose: see detect.ts). */
export function rowCountArgv(dockerSocket: string, containerId: string, user: string, database: string): string[] {
  return ['docker', '-H', `unix://${dockerSocket}`, 'exec', '--', containerId, 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-F', '\t', '-U', user, '-d', database, '-c', ROW_COUNT_SQL];
}

export function parseRowCounts(out: string): RowCounts {
  const m: RowCounts = new Map();
  for (const line of out.split('\n')) {
    const i = line.lastIndexOf('\t');
    if (i <= 0) continue;
    const n = line.slice(i + 1).trim();
    if (/^\d+$/.test(n)) m.set(sanitise(line.slice(0, i)), Number(n));
  }
  return m;
}

export async function countRows(conn: Pick<ServerConnection, 'exec'>, dockerSocket: string, containerId: string, user: string, database: string): Promise<RowCounts> {
  const r = await conn.exec(rowCountArgv(dockerSocket, containerId, user, database), { timeoutMs: 30 * 60_000 });
  if (r.code !== 0) throw new BackupError(`cannot count rows in ${database}: ${sanitise(lastLine(r.stderr) || `exit ${r.code}`)}`);
  return parseRowCounts(r.stdout);
}

export interface TableComparison {
  table: string;
  restored: number | null;
  live: number | null;
}

export interface CountVerdict {
  tables: TableComparison[];
  /** Tables the live database has and the restored copy lacks: a failed test restore. */
  missing: string[];
  /** Tables whose counts differ (the live database moved on since the backup, or data is lost). */
  differing: string[];
  ok: boolean;
}

export function compareCounts(restored: RowCounts, live: RowCounts): CountVerdict {
  const names = [...new Set([...restored.keys(), ...live.keys()])].sort();
  const tables = names.map((table) => ({ table, restored: restored.get(table) ?? null, live: live.get(table) ?? null }));
  const missing = tables.filter((t) => t.restored === null && t.live !== null).map((t) => t.table);
  const differing = tables.filter((t) => t.restored !== null && t.live !== null && t.restored !== t.live).map((t) => t.table);
  return { tables, missing, differing, ok: missing.length === 0 && (restored.size > 0) === (live.size > 0) };
}
