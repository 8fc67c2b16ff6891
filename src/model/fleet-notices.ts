/**
 * The fleet's notification area: the faults present anywhere right now, each with the time it
 * was first seen. A notice appears when its fault does and goes when the fault clears; a
 * fault that never clears is never shown twice. Pure: rows in, notices out.
 */
import { DISK_NOTICE_PERCENT, type FleetRow } from './fleet-view.js';

export type NoticeLevel = 'error' | 'warn';

export interface Notice {
  /** server|kind|subject: the identity that decides "the same fault". */
  key: string;
  server: string;
  text: string;
  level: NoticeLevel;
  /** Local epoch ms the fault was first seen. */
  since: number;
}

type Fault = Omit<Notice, 'since'>;

const REASON_TEXT: Record<string, { text: string; level: NoticeLevel }> = {
  unhealthy: { text: 'unhealthy', level: 'error' },
  'restart-loop': { text: 'in a restart loop', level: 'error' },
  'exited-nonzero': { text: 'exited with an error', level: 'error' },
  dead: { text: 'dead', level: 'error' },
  restarting: { text: 'restarting', level: 'warn' },
};

/** Backup ages are hours to days: "30 h", "3 d". */
function hoursOld(ms: number): string {
  const h = ms / 3_600_000;
  return h < 48 ? `${Math.round(h)} h` : `${Math.round(h / 24)} d`;
}

/** Every fault a row shows now. */
export function rowFaults(row: FleetRow): Fault[] {
  const server = row.name;
  const out: Fault[] = [];
  const add = (kind: string, text: string, level: NoticeLevel) => out.push({ key: `${server}|${kind}`, server, text, level });
  const l = row.link;
  if (l.state === 'reconnecting' || (l.state === 'unreachable' && row.loaded)) add('link', 'dropped: reconnecting', 'error');
  else if (l.state === 'unreachable') add('link', `unreachable: ${l.error}`, 'error');
  else if (l.state === 'auth-failed') add('link', `login refused: ${l.error}`, 'error');
  else if (l.state === 'host-key-changed') add('link', 'host key changed: refused', 'error');
  else if (l.state === 'locked') add('link', 'waiting for its disk passphrase (unlock)', 'error');
  for (const s of row.faulted) {
    for (const reason of s.reasons) {
      const r = REASON_TEXT[reason] ?? { text: reason, level: 'warn' as const };
      add(`${reason}|${s.key}`, `${s.name} ${r.text}`, r.level);
    }
    if (s.memoryPercent !== undefined) add(`memory|${s.key}`, `${s.name} memory at ${Math.round(s.memoryPercent)} % of its limit`, 'warn');
  }
  if (row.diskPercent !== null && row.diskPercent > DISK_NOTICE_PERCENT) add('disk', `disk ${Math.round(row.diskPercent)} % full`, 'warn');
  const b = row.backup;
  if (b?.breached) {
    add('backup', b.ageMs === undefined ? `no verified backup (RPO ${b.rpoHours} h)` : `newest verified backup ${hoursOld(b.ageMs)} old (RPO ${b.rpoHours} h)`, 'error');
  }
  return out;
}

/**
 * The notices for `rows`, keeping the first-seen time of faults already known; `added` are the
 * faults new since `previous` (what the bell rings for).
 */
export function updateNotices(previous: readonly Notice[], rows: readonly FleetRow[], now: number): { notices: Notice[]; added: Notice[] } {
  const known = new Map(previous.map((n) => [n.key, n]));
  const notices: Notice[] = [];
  const added: Notice[] = [];
  for (const row of rows) {
    for (const f of rowFaults(row)) {
      const old = known.get(f.key);
      const n = { ...f, since: old?.since ?? now };
      notices.push(n);
      if (!old) added.push(n);
    }
  }
  // Newest first: the area is short and the latest fault is the one to read.
  notices.sort((a, b) => b.since - a.since || a.key.localeCompare(b.key));
  return { notices, added };
}
