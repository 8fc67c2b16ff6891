/**
 * `opsdeck status --group G` as text: one line per server, its faulted services under it, and
 * a verdict line. Servers' words (names, engine versions, errors) are sanitised here because a
 * report can come from JSON assembled anywhere, not only from our own models.
 */
import type { FleetConnectionState, FleetReport, FleetServerReport } from '../model/fleet-report.js';
import { sanitise } from '../text/sanitise.js';
import { displayWidth, fitColumns, truncate, type ColumnSpec } from './columns.js';
import { formatPercent } from './percent.js';
import { paint } from './sgr.js';
import type { TableColumn } from './table-body.js';
import { tableHeader } from './table-body.js';
import { tableLine, type LineCell } from './table-line.js';

const STATE_TEXT: Record<FleetConnectionState, string> = {
  connected: 'connected',
  unreachable: 'unreachable',
  'auth-failed': 'auth failed',
  'host-key-changed': 'HOST KEY CHANGED',
  locked: 'locked',
  timeout: 'timeout',
  error: 'error',
};

/** The disk warning the fleet's notifications use too: above 85 % is worth a look, above 95 % urgent. */
const DISK_WARN = 85;
const DISK_CRITICAL = 95;

const clean = (s: string) => sanitise(s);

function columnSpecs(servers: readonly FleetServerReport[]): (ColumnSpec & { header: string; align?: 'right' })[] {
  const longest = Math.max(6, ...servers.map((s) => displayWidth(clean(s.server))));
  return [
    { id: 'server', header: 'SERVER', min: Math.min(longest, 32), priority: 0 },
    { id: 'state', header: 'STATE', min: 16, priority: 1 },
    { id: 'faults', header: 'FAULTS', min: 6, priority: 2, align: 'right' },
    { id: 'load', header: 'LOAD', min: 5, priority: 6, align: 'right' },
    { id: 'mem', header: 'MEM', min: 5, priority: 5, align: 'right' },
    { id: 'disk', header: 'DISK', min: 5, priority: 4, align: 'right' },
    { id: 'engine', header: 'ENGINE', min: 8, priority: 7, flex: 1, max: 16 },
    // Last on the line but kept before the figures on a narrow terminal: why a server is missing matters most.
    { id: 'error', header: 'ERROR', min: 16, priority: 3, flex: 1 },
  ];
}

function serverCells(s: FleetServerReport): Record<string, LineCell> {
  const c = s.connection;
  const ok = c.state === 'connected';
  const h = s.host;
  const faults = s.faults.length;
  const disk = h?.disk?.percent ?? null;
  const budget = h?.memoryBudget ?? null;
  return {
    server: { text: clean(s.server), bold: true },
    state: { text: STATE_TEXT[c.state], color: ok ? 'green' : c.state === 'locked' ? 'yellow' : 'red', bold: !ok },
    faults: ok ? { text: String(faults), ...(faults > 0 ? { color: 'red', bold: true } : {}) } : { text: '—', dim: true },
    load: { text: h?.load ? h.load[0].toFixed(2) : '—' },
    mem: { text: budget ? formatPercent(budget.percent) : '—', ...(budget?.overcommitted ? { color: 'yellow' } : {}) },
    disk: {
      text: disk === null ? '—' : formatPercent(disk),
      ...(disk !== null && disk >= DISK_CRITICAL ? { color: 'red' } : disk !== null && disk >= DISK_WARN ? { color: 'yellow' } : {}),
    },
    engine: { text: h ? clean(h.engineVersion) : '—' },
    error: { text: c.error ? clean(c.error) : '' },
  };
}

function verdictLines(r: FleetReport): string[] {
  const lines: string[] = [];
  if (r.unreachable.length) {
    const states = r.servers.filter((s) => s.connection.state !== 'connected').map((s) => `${clean(s.server)} (${STATE_TEXT[s.connection.state]})`);
    lines.push(`NOT REACHED: ${states.join(', ')}`);
  }
  const degraded = r.servers.filter((s) => s.degraded === true);
  if (degraded.length) lines.push(`DEGRADED: ${degraded.map((s) => `${clean(s.server)} (${s.faults.length} faulted)`).join(', ')}`);
  if (!lines.length) lines.push(`OK: ${r.servers.length === 1 ? 'the server is' : `all ${r.servers.length} servers are`} reached, every service up and healthy`);
  return lines;
}

/** The fleet table; `width` in terminal cells (every line fits it), `color` for SGR styling. */
export function renderFleetStatusTable(r: FleetReport, opts: { width: number; color: boolean }): string {
  const specs = columnSpecs(r.servers);
  const byId = new Map(specs.map((s) => [s.id, s]));
  const columns: TableColumn[] = fitColumns(specs, opts.width).map((c) => {
    const spec = byId.get(c.id)!;
    return { key: c.id, header: spec.header, width: c.width, ...(spec.align ? { align: spec.align } : {}) };
  });
  const fit = (line: string) => truncate(line, opts.width);
  const lines: string[] = [];
  if (r.group !== null) lines.push(paint(fit(`group ${clean(r.group)} · ${r.servers.length} server${r.servers.length === 1 ? '' : 's'}`), { bold: true }, opts.color));
  lines.push(tableHeader(columns).trimEnd());
  for (const s of r.servers) {
    lines.push(tableLine(columns, serverCells(s), opts.color).trimEnd());
    for (const f of s.faults) {
      const name = `${f.project !== null ? `${clean(f.project)}/` : ''}${clean(f.service)}`;
      lines.push(paint(fit(`    ! ${name}  ${f.reasons.join(', ')}`), { color: 'red' }, opts.color));
    }
  }
  for (const l of verdictLines(r)) lines.push(fit(l));
  return lines.join('\n') + '\n';
}
