/**
 * One service (or replica) as grid cells: the same text for the TUI grid and `opsdeck status`,
 * so the two never disagree. Pure: rows in, styled strings out.
 */
import type { PortBinding } from '../docker/container.js';
import type { ReplicaRow, ServiceRow } from '../model/grouping.js';
import type { ColumnSpec } from './columns.js';
import { formatBytesShort } from './bytes.js';
import { formatCores } from './cores.js';
import { formatDuration } from './duration.js';
import { healthGlyph, levelColor, renderGlyph, stateGlyph, type ColorName } from './health.js';
import { meter } from './meter.js';
import { formatPercent } from './percent.js';
import { displayTag } from '../docker/image-ref.js';

export interface Cell {
  text: string;
  color?: ColorName | undefined;
  dim?: boolean;
  bold?: boolean;
}

export type GridColumnId = 'service' | 'replicas' | 'state' | 'health' | 'restarts' | 'uptime' | 'cpu' | 'mem' | 'ports' | 'image';

/** Priority 0 always shows; the rest drop out, least important first, as the terminal narrows. */
export const GRID_COLUMNS: readonly (ColumnSpec & { id: GridColumnId; header: string; align?: 'right' })[] = [
  { id: 'service', header: 'SERVICE', min: 14, priority: 0, flex: 2, max: 32 },
  { id: 'state', header: 'STATE', min: 13, priority: 1 },
  { id: 'health', header: 'HEALTH', min: 11, priority: 2 },
  { id: 'restarts', header: 'RESTARTS', min: 13, priority: 3 },
  { id: 'mem', header: 'MEM', min: 15, priority: 4, flex: 1, max: 30 },
  { id: 'cpu', header: 'CPU', min: 11, priority: 5, flex: 0.5, max: 16 },
  { id: 'replicas', header: 'REPL', min: 4, priority: 6, align: 'right' },
  { id: 'uptime', header: 'UPTIME', min: 7, priority: 7 },
  { id: 'ports', header: 'PORTS', min: 10, priority: 8, flex: 1, max: 28 },
  { id: 'image', header: 'IMAGE', min: 10, priority: 9, flex: 1, max: 28 },
];

export interface CellOptions {
  color: boolean;
  now: number;
  /** Width of the MEM column, for the bar. */
  memWidth?: number;
}

export function serviceCells(s: ServiceRow, o: CellOptions): Record<GridColumnId, Cell> {
  const health = s.running === 0 ? renderGlyph(healthGlyph('none'), o) : healthCell(s);
  // "71 loop 9s": the count, the loop flag, then how long since the last restart.
  const since = s.restarts > 0 && s.sinceLastRestartMs !== null ? ` ${formatDuration(s.sinceLastRestartMs)}` : '';
  const restartsText = `${s.restarts}${s.restartLoop ? ' loop' : ''}${since}`;
  return {
    service: { text: (s.degraded ? '! ' : '  ') + s.service + (s.oneoff ? ' (one-off)' : ''), bold: s.degraded, color: s.degraded ? 'red' : undefined, dim: s.oneoff },
    replicas: { text: `${s.running}/${s.total}`, color: s.running < s.total ? 'yellow' : undefined },
    state: styled(renderGlyph(stateGlyph(s.state), o), s.state === 'exited' && s.exitCode !== null ? ` (${s.exitCode})` : ''),
    health: styled(health, ''),
    restarts: { text: restartsText, color: s.restartLoop ? 'red' : s.restarts > 0 ? 'yellow' : undefined },
    uptime: { text: s.uptimeMs === null ? '—' : formatDuration(s.uptimeMs), dim: true },
    cpu: cpuCell(s.cpu.percent, s.cpu.limitCores, s.cpu.level, s.cpu.noLimit),
    mem: memCell(s.memory.used, s.memory.limit, s.memory.percent, s.memory.level, s.memory.noLimit, o),
    ports: portsCell(s),
    image: { text: displayTag(s.image), color: s.imageFlags.length ? 'yellow' : undefined, dim: s.imageFlags.length === 0 },
  };

  function healthCell(row: ServiceRow) {
    const g = renderGlyph(healthGlyph(row.health), o);
    const c = row.healthCounts;
    const mixed = [c.healthy, c.unhealthy, c.starting].filter((n) => n > 0).length > 1;
    return mixed ? { text: `${g.text} ${c.unhealthy ? `${c.unhealthy}✗` : ''}${c.starting ? `${c.starting}…` : ''}`.trim(), color: g.color } : g;
  }
}

export function replicaCells(r: ReplicaRow, o: CellOptions): Record<GridColumnId, Cell> {
  const c = r.container;
  return {
    service: { text: `    ${c.name}`, dim: c.state !== 'running' },
    replicas: { text: c.replica === null ? '' : `#${c.replica}`, dim: true },
    state: styled(renderGlyph(stateGlyph(c.state), o), c.state === 'exited' && c.exitCode !== null ? ` (${c.exitCode})` : ''),
    health: styled(renderGlyph(healthGlyph(c.state === 'running' ? c.health : 'none'), o), ''),
    restarts: { text: String(c.restartCount) + (r.restartLoop?.looping ? ' loop' : ''), color: r.restartLoop?.looping ? 'red' : c.restartCount > 0 ? 'yellow' : undefined },
    uptime: { text: r.uptimeMs === null ? '—' : formatDuration(r.uptimeMs), dim: true },
    cpu: cpuCell(r.cpu.percent, r.cpu.limitCores, r.cpu.level, r.cpu.noLimit),
    mem: memCell(r.memory.used, r.memory.limit, r.memory.percent, r.memory.level, r.memory.noLimit, o),
    ports: { text: c.ports.map(portText).join(' '), dim: true },
    image: { text: displayTag(c.image), dim: true },
  };
}

function styled(g: { text: string; color: ColorName | null }, suffix: string): Cell {
  return { text: g.text + suffix, color: g.color ?? undefined };
}

function cpuCell(percent: number | null, limit: number | null, level: ServiceRow['cpu']['level'], noLimit: boolean): Cell {
  const lim = noLimit ? 'no lim' : formatCores(limit, { short: true });
  return { text: `${formatPercent(percent)} /${lim}`, color: levelColor(level) ?? (noLimit ? 'yellow' : undefined) };
}

function memCell(used: number | null, limit: number | null, pct: number | null, level: ServiceRow['memory']['level'], noLimit: boolean, o: CellOptions): Cell {
  const figures = noLimit ? `${formatBytesShort(used)}/no limit` : `${formatBytesShort(used)}/${formatBytesShort(limit)} ${formatPercent(pct)}`;
  const barWidth = Math.max(0, Math.min(6, (o.memWidth ?? 0) - figures.length - 1));
  const bar = barWidth >= 3 && !noLimit ? meter(pct, barWidth, { ascii: !o.color }) + ' ' : '';
  return { text: bar + figures, color: levelColor(level) ?? (noLimit ? 'yellow' : undefined) };
}

function portText(p: { hostIp: string; hostPort: string; containerPort: number; protocol: string }): string {
  const ip = p.hostIp === '' ? '0.0.0.0' : p.hostIp;
  return `${ip}:${p.hostPort}→${p.containerPort}${p.protocol === 'tcp' ? '' : '/' + p.protocol}`;
}

// A service's ports only change when a container is re-inspected (the grid keeps the same list
// until then), while its row is drawn again at every stats reading.
const portCells = new WeakMap<readonly PortBinding[], Cell>();

function portsCell(s: ServiceRow): Cell {
  if (s.ports.length === 0) return { text: '', dim: true };
  let cell = portCells.get(s.ports);
  if (!cell) {
    cell = bindingsCell(s);
    portCells.set(s.ports, cell);
  }
  return cell;
}

function bindingsCell(s: ServiceRow): Cell {
  const warned = new Set(s.portWarnings.map((w) => `${w.binding.hostIp}:${w.binding.hostPort}`));
  const text = s.ports.map((p) => (warned.has(`${p.hostIp}:${p.hostPort}`) ? '!' : '') + portText(p)).join(' ');
  return { text, color: s.portWarnings.length ? 'red' : undefined, dim: s.portWarnings.length === 0 };
}
