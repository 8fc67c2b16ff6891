/**
 * The service detail page as lines: containers, last health checks, restart history, ports,
 * mounts, labels and (masked) environment. Pure, so the screen only scrolls through it.
 */
import type { ServiceRow } from '../model/grouping.js';
import type { ExitRecord } from '../model/grid-store.js';
import type { ColorName } from './health.js';
import { healthGlyph, renderGlyph, stateGlyph } from './health.js';
import { formatAgo, formatDuration } from './duration.js';
import { formatBytesOfLimit } from './bytes.js';
import { formatCores } from './cores.js';
import { formatPercent } from './percent.js';

export interface DetailLine {
  text: string;
  color?: ColorName | undefined;
  bold?: boolean;
  dim?: boolean;
}

export function serviceDetailLines(row: ServiceRow, exits: readonly ExitRecord[], o: { color: boolean; now: number }): DetailLine[] {
  const out: DetailLine[] = [];
  const h = (t: string) => out.push({ text: '', dim: true }, { text: t, bold: true });
  out.push({ text: `${row.project ? row.project + '/' : ''}${row.service}${row.oneoff ? ' (one-off)' : ''}`, bold: true });
  if (row.reasons.length) out.push({ text: `degraded: ${row.reasons.join(', ')}`, color: 'red' });

  h('Containers');
  for (const r of row.replicas) {
    const c = r.container;
    const st = renderGlyph(stateGlyph(c.state), o);
    const hl = renderGlyph(healthGlyph(c.health), o);
    out.push({ text: `${c.name}  ${c.shortId}`, bold: true });
    out.push({ text: `  ${st.text}${c.state !== 'running' && c.exitCode !== null ? ` (exit ${c.exitCode}${c.oomKilled ? ', OOM killed' : ''})` : ''} · ${hl.text} · restarts ${c.restartCount} (policy ${c.restartPolicy.name})`, color: st.color ?? undefined });
    out.push({ text: `  started ${c.startedAt ? formatAgo(c.startedAt, o.now) : 'never'}${r.uptimeMs !== null ? ` · up ${formatDuration(r.uptimeMs)}` : ''}${c.finishedAt && c.state !== 'running' ? ` · finished ${formatAgo(c.finishedAt, o.now)}` : ''}`, dim: true });
    out.push({ text: `  cpu ${formatPercent(r.cpu.percent)} of ${formatCores(c.cpuLimitCores)} · mem ${formatBytesOfLimit(r.memory.used, c.memLimit)}${r.memory.percent !== null ? ` (${formatPercent(r.memory.percent)})` : ''}`, dim: true });
    out.push({ text: `  image ${c.image.raw}${c.imageFlags.length ? `  ⚠ ${c.imageFlags.join(', ')}` : ''}`, dim: c.imageFlags.length === 0, color: c.imageFlags.length ? 'yellow' : undefined });
    if (c.error) out.push({ text: `  error: ${c.error}`, color: 'red' });
  }

  h('Last health checks');
  const checks = row.replicas.flatMap((r) => r.container.healthLog.map((run) => ({ name: r.container.name, run })));
  if (checks.length === 0) out.push({ text: '  none (no health check configured, or none has run yet)', dim: true });
  for (const { name, run } of checks.slice(-10)) {
    const when = run.endedAt ? formatAgo(run.endedAt, o.now) : '?';
    out.push({ text: `  ${name} · ${when} · exit ${run.exitCode ?? '?'}`, color: run.exitCode === 0 ? undefined : 'red' });
    for (const l of run.output.split('\n').filter(Boolean).slice(0, 4)) out.push({ text: `    ${l}`, dim: true });
  }

  h('Restart history');
  if (exits.length === 0) out.push({ text: `  no exits seen since opsdeck started (Docker counts ${row.restarts} restarts)`, dim: true });
  for (const e of [...exits].reverse().slice(0, 15)) out.push({ text: `  ${formatAgo(e.at, o.now)} · ${e.containerName} exited ${e.exitCode ?? '?'}`, color: e.exitCode ? 'yellow' : undefined });

  h('Ports (configured)');
  if (row.ports.length === 0) out.push({ text: '  none published', dim: true });
  for (const p of row.ports) out.push({ text: `  ${p.hostIp === '' ? '0.0.0.0' : p.hostIp}:${p.hostPort} → ${p.containerPort}/${p.protocol}` });
  for (const w of row.portWarnings) out.push({ text: `  ⚠ ${w.message}`, color: 'red' });

  const first = row.replicas[0]?.container;
  if (first) {
    h('Mounts');
    if (first.mounts.length === 0) out.push({ text: '  none', dim: true });
    for (const m of first.mounts) out.push({ text: `  ${m.type} ${m.name ?? m.source} → ${m.destination}${m.readOnly ? ' (ro)' : ''}` });
    h('Labels');
    for (const [k, v] of Object.entries(first.labels).sort(([a], [b]) => a.localeCompare(b))) out.push({ text: `  ${k}=${v}`, dim: true });
    h('Environment (secrets masked)');
    for (const e of first.env) out.push({ text: `  ${e.key}=${e.value}`, dim: e.masked === 'none' });
  }
  return out;
}
