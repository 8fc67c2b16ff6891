/**
 * A service named in a runbook (`api`, `shop/api`) found among the grid's rows. A bare name that
 * two projects share is an error, not a guess: a runbook must not restart the wrong project's api.
 */
import type { ProjectGroup, ServiceRow } from '../model/grouping.js';

export type ServiceMatch = { ok: true; row: ServiceRow; label: string } | { ok: false; error: string };

export function matchService(groups: readonly ProjectGroup[], name: string, defaultProject?: string): ServiceMatch {
  const slash = name.indexOf('/');
  const project = slash >= 0 ? name.slice(0, slash) : undefined;
  const service = slash >= 0 ? name.slice(slash + 1) : name;
  const rows = groups.flatMap((g) => g.services);
  const label = (r: ServiceRow): string => (r.project ? `${r.project}/${r.service}` : r.service);
  let found = rows.filter((r) => r.service === service && (project === undefined || r.project === project));
  if (found.length > 1 && project === undefined && defaultProject !== undefined) found = found.filter((r) => r.project === defaultProject);
  if (found.length === 1) return { ok: true, row: found[0]!, label: label(found[0]!) };
  if (found.length === 0) return { ok: false, error: `no service '${name}' on this server` };
  return { ok: false, error: `'${name}' is in several projects (${found.map(label).join(', ')}): name it as project/service` };
}

/** Healthy enough to stop waiting: every replica running, and healthy where it has a check. */
export function serviceHealthy(row: ServiceRow): { ok: boolean; detail: string } {
  const bad = row.replicas.filter((r) => r.container.state !== 'running' || (r.container.health !== 'healthy' && r.container.health !== 'none'));
  if (row.replicas.length === 0) return { ok: false, detail: 'no containers' };
  if (bad.length === 0) return { ok: true, detail: `${row.replicas.length}/${row.replicas.length} running${row.health === 'healthy' ? ', healthy' : ''}` };
  const states = bad.map((r) => `${r.container.name}: ${r.container.state}${r.container.health !== 'none' ? `, ${r.container.health}` : ''}`);
  return { ok: false, detail: states.join('; ') };
}
