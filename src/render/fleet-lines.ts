/**
 * The fleet view as plain lines: one per server, its faulted services under it, then the
 * notices. Pure (rows and a clock in, text out) so that tests read exactly what is drawn; the
 * screen only adds colour and the selection.
 */
import type { FleetLink, FleetRow } from '../model/fleet-view.js';
import type { Notice } from '../model/fleet-notices.js';
import { fitCell, truncate } from './columns.js';
import { formatDuration, formatDurationCoarse } from './duration.js';

export interface FleetLine {
  text: string;
  kind: 'header' | 'server' | 'service' | 'notice' | 'rule';
  /** The server this line belongs to (what enter opens). */
  server?: string;
  /** The grid's service key of a service line (what enter selects). */
  service?: string;
  colour?: string | undefined;
  dim?: boolean;
  level?: 'ok' | 'warn' | 'error' | 'info';
}

/** The server name's width: the screen draws that many cells in the server's colour. */
export const NAME_WIDTH = 14;
const COLS = { name: NAME_WIDTH, faults: 6, load: 6, mem: 5, disk: 5, backup: 12, engine: 14 };

export function linkText(l: FleetLink, now: number): string {
  const wait = (at: number | undefined) => (at === undefined ? '' : `, next try ${at <= now ? 'now' : `in ${Math.ceil((at - now) / 1000)}s`}`);
  switch (l.state) {
    case 'connecting':
      return 'connecting';
    case 'connected':
      return 'connected';
    case 'reconnecting':
      return `reconnecting (#${l.attempt}${wait(l.retryAt)})`;
    case 'unreachable':
      return l.attempt > 0 ? `unreachable (#${l.attempt}${wait(l.retryAt)})` : 'unreachable';
    case 'auth-failed':
      return 'auth failed';
    case 'host-key-changed':
      return 'host key changed (refused)';
    case 'locked':
      return 'waiting for disk passphrase';
  }
}

export function linkLevel(l: FleetLink): FleetLine['level'] {
  if (l.state === 'connected') return 'ok';
  if (l.state === 'connecting' || l.state === 'reconnecting') return 'warn';
  return 'error';
}

const pct = (p: number | null) => (p === null ? '—' : `${Math.round(p)}%`);
const clock = (ms: number) => new Date(ms).toTimeString().slice(0, 5);

function backupText(r: FleetRow): string {
  const b = r.backup;
  if (!b) return '—';
  const age = b.ageMs === undefined ? 'none' : formatDurationCoarse(b.ageMs);
  return `${age}/${b.rpoHours}h${b.breached ? ' !' : ''}`;
}

/** The state column fits the longest state (in steps of 8, so a countdown does not shift it); "stale since" only when a row is stale. */
export interface FleetWidths {
  state: number;
  stale: number;
}

export function fleetWidths(rows: readonly FleetRow[], now: number): FleetWidths {
  const longest = Math.max(16, ...rows.map((r) => stateText(r, now).length + 1));
  return { state: Math.min(48, Math.ceil(longest / 8) * 8), stale: rows.some((r) => r.staleSince !== undefined) ? 17 : 0 };
}

/** A connected server's age in minutes ("<1m" at first): a view that only waits redraws twice a minute, not every second. */
const stateText = (r: FleetRow, now: number) => {
  const age = Math.max(0, now - r.link.since);
  return `${linkText(r.link, now)} ${r.link.state === 'connected' && age < 60_000 ? '<1m' : formatDuration(age)}`;
};
const cells = (w: FleetWidths, state: string, stale: string) => [fitCell(state, w.state), ...(w.stale ? [fitCell(stale, w.stale)] : [])];

export function fleetHeader(width: number, w: FleetWidths): string {
  return truncate(
    [
      fitCell('SERVER', COLS.name),
      ...cells(w, 'STATE', ''),
      fitCell('FAULTS', COLS.faults, 'right'),
      fitCell('LOAD', COLS.load, 'right'),
      fitCell('MEM', COLS.mem, 'right'),
      fitCell('DISK', COLS.disk, 'right'),
      fitCell('BACKUP/RPO', COLS.backup),
      fitCell('ENGINE', COLS.engine),
      'HOST KEY',
    ].join(' '),
    width,
  );
}

export function serverLine(r: FleetRow, now: number, width: number, w: FleetWidths = fleetWidths([r], now)): FleetLine {
  const error = r.link.state !== 'connected' && 'error' in r.link && r.link.error ? r.link.error : '';
  const head = [fitCell(r.name, COLS.name), ...cells(w, stateText(r, now), r.staleSince !== undefined ? `stale since ${clock(r.staleSince)}` : '')];
  // Never reached: no figures to show, and why is what the operator needs first.
  if (!r.loaded) return { text: truncate([...head, error || '—'].join(' '), width), kind: 'server', server: r.name, colour: r.colour, level: linkLevel(r.link), dim: false };
  const figures = [fitCell(String(r.faulted.length), COLS.faults, 'right'), fitCell(r.load ? r.load[0].toFixed(2) : '—', COLS.load, 'right'), fitCell(pct(r.memoryBudgetPercent), COLS.mem, 'right'), fitCell(pct(r.diskPercent), COLS.disk, 'right')];
  const tail = [r.run ? `runbook: ${r.run}` : '', error].filter(Boolean).join(' · ');
  const engine = fitCell(r.engineVersion ?? '—', COLS.engine);
  const fp = r.fingerprint ? r.fingerprint.slice(0, 19) : '';
  const text = [...head, ...figures, fitCell(backupText(r), COLS.backup), engine, fp, tail ? ` ${tail}` : ''].join(' ');
  return { text: truncate(text, width), kind: 'server', server: r.name, colour: r.colour, level: linkLevel(r.link), dim: r.staleSince !== undefined };
}

const REASON_WORDS: Record<string, string> = { 'restart-loop': 'restart loop', 'exited-nonzero': 'exited non-zero' };

export function fleetLines(rows: readonly FleetRow[], notices: readonly Notice[], now: number, width: number, opts: { noticeLines?: number } = {}): FleetLine[] {
  const w = fleetWidths(rows, now);
  const out: FleetLine[] = [{ text: fleetHeader(width, w), kind: 'header' }];
  for (const r of rows) {
    out.push(serverLine(r, now, width, w));
    for (const s of r.faulted) {
      const why = [...s.reasons.map((x) => REASON_WORDS[x] ?? x), ...(s.memoryPercent !== undefined ? [`memory ${Math.round(s.memoryPercent)}% of limit`] : [])].join(', ');
      out.push({ text: truncate(`  ✗ ${s.name}  ${why}`, width), kind: 'service', server: r.name, service: s.key, dim: r.staleSince !== undefined, level: 'error' });
    }
  }
  const max = opts.noticeLines ?? 6;
  const rule = `── notices (${notices.length}) `;
  out.push({ text: truncate(rule + '─'.repeat(Math.max(0, width - rule.length)), width), kind: 'rule' });
  if (notices.length === 0) out.push({ text: 'nothing wrong anywhere', kind: 'notice', level: 'ok' });
  for (const n of notices.slice(0, max)) {
    out.push({ text: truncate(`${new Date(n.since).toTimeString().slice(0, 8)}  ${n.server}  ${n.text}`, width), kind: 'notice', server: n.server, level: n.level });
  }
  if (notices.length > max) out.push({ text: `… ${notices.length - max} more`, kind: 'notice', dim: true });
  return out;
}
