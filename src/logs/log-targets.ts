/**
 * Which containers `opsdeck logs api worker` (or `:logs api worker`) means. Each word may be a
 * container name, an ID prefix, a Compose service ("api", or "shop/api" when several projects
 * have one), or a replica in Compose's own spelling ("api-1"). A service means its replicas,
 * running or not (a crash-looping replica's last words matter most), never its one-off runs.
 *
 * Pure: the container list comes in as plain data (from listContainers, sanitised), so the
 * rules are unit-tested without Docker.
 */
import { composeIdentity, type ComposeIdentity } from '../docker/container.js';
import { sanitise, sanitiseRecord } from '../text/sanitise.js';
import { MalformedAnswerError } from '../transport/answer-error.js';

export interface ContainerSummary extends ComposeIdentity {
  id: string;
  name: string;
  state: string;
}

export interface LogTarget {
  /** Docker's ID: what requests use. */
  id: string;
  /** Sanitised, for display. */
  name: string;
  project: string | null;
  service: string | null;
  replica: number | null;
  /** The prefix in a merged view: "api-1" as Compose writes it, or the container name. */
  tag: string;
}

export type TargetResolution = { ok: true; targets: LogTarget[] } | { ok: false; error: string; hint?: string };

/** A container list entry (dockerode's listContainers) as plain, sanitised data. */
export function containerSummary(c: { Id: string; Names?: string[]; Labels?: Record<string, string> | null; State?: string }): ContainerSummary {
  const labels = sanitiseRecord(c.Labels ?? {});
  return {
    id: c.Id,
    name: sanitise((c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '')),
    state: sanitise(c.State ?? ''),
    ...composeIdentity(labels),
  };
}

/**
 * Docker's container list (GET /containers/json) as summaries, checked field by field: the
 * answer is untrusted JSON. A list that is not one, or an entry without an ID, is an error
 * (Docker never sends those); odd optional fields are read as absent. Not docker/schemas.ts's
 * ContainerListSchema: that loads zod, a fifth of `opsdeck logs`'s start-up, for four fields.
 */
export function containerSummaries(json: unknown): ContainerSummary[] {
  if (!Array.isArray(json)) throw new MalformedAnswerError('malformed response from Docker: the container list is not a list');
  return json.map((entry: unknown) => {
    const c = (entry ?? {}) as Record<string, unknown>;
    if (typeof c.Id !== 'string' || c.Id === '') throw new MalformedAnswerError('malformed response from Docker: a container without an ID');
    const names = Array.isArray(c.Names) ? c.Names.filter((n): n is string => typeof n === 'string') : undefined;
    const labels: Record<string, string> = {};
    if (c.Labels && typeof c.Labels === 'object' && !Array.isArray(c.Labels)) {
      for (const [k, v] of Object.entries(c.Labels as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
    }
    return containerSummary({ Id: c.Id, ...(names ? { Names: names } : {}), Labels: labels, ...(typeof c.State === 'string' ? { State: c.State } : {}) });
  });
}

const REPLICA = /^(?:([^/]+)\/)?(.+)-(\d+)$/;

export function resolveTargets(words: readonly string[], containers: readonly ContainerSummary[]): TargetResolution {
  if (words.length === 0) return { ok: false, error: 'name at least one service or container', hint: "e.g. 'opsdeck logs api worker'" };
  const picked: ContainerSummary[] = [];
  const add = (cs: readonly ContainerSummary[]) => {
    for (const c of cs) if (!picked.some((p) => p.id === c.id)) picked.push(c);
  };
  for (const raw of words) {
    const word = raw.replace(/^\//, '');
    const found = matchWord(word, containers);
    if (!found.ok) return found;
    add(found.containers);
  }
  return { ok: true, targets: withTags(picked) };
}

function matchWord(word: string, containers: readonly ContainerSummary[]): { ok: true; containers: ContainerSummary[] } | { ok: false; error: string; hint?: string } {
  const byName = containers.find((c) => c.name === word);
  if (byName) return { ok: true, containers: [byName] };

  const slash = word.indexOf('/');
  const project = slash >= 0 ? word.slice(0, slash) : null;
  const service = slash >= 0 ? word.slice(slash + 1) : word;
  const replicasOf = (svc: string, proj: string | null) =>
    containers.filter((c) => c.service === svc && !c.oneoff && (proj === null || c.project === proj)).sort(byReplica);

  const members = replicasOf(service, project);
  if (members.length > 0) {
    const projects = [...new Set(members.map((c) => c.project))];
    if (projects.length > 1) {
      return { ok: false, error: `'${word}' is a service in several projects (${projects.join(', ')})`, hint: `Name one, e.g. '${projects[0]}/${service}'.` };
    }
    return { ok: true, containers: members };
  }

  const rep = REPLICA.exec(word);
  if (rep) {
    const [, proj, svc, n] = rep;
    const one = replicasOf(svc!, proj ?? null).filter((c) => c.replica === Number(n));
    if (one.length === 1) return { ok: true, containers: one };
  }

  if (/^[0-9a-f]{4,64}$/.test(word)) {
    const byId = containers.filter((c) => c.id.startsWith(word));
    if (byId.length === 1) return { ok: true, containers: byId };
    if (byId.length > 1) return { ok: false, error: `'${word}' matches ${byId.length} container IDs`, hint: 'Give more of the ID.' };
  }

  const services = [...new Set(containers.filter((c) => c.service && !c.oneoff).map((c) => c.service!))].sort();
  return {
    ok: false,
    error: `no container or service named '${sanitise(word)}'`,
    ...(services.length ? { hint: `Services: ${services.slice(0, 12).join(', ')}${services.length > 12 ? ', …' : ''}` } : {}),
  };
}

function byReplica(a: ContainerSummary, b: ContainerSummary): number {
  return (a.project ?? '').localeCompare(b.project ?? '') || (a.replica ?? 0) - (b.replica ?? 0) || a.name.localeCompare(b.name);
}

/** Compose's "service-N" tags; the full name where that would be ambiguous or there is no service. */
function withTags(cs: readonly ContainerSummary[]): LogTarget[] {
  const short = (c: ContainerSummary) => (c.service && !c.oneoff && c.replica !== null ? `${c.service}-${c.replica}` : c.name);
  const counts = new Map<string, number>();
  for (const c of cs) counts.set(short(c), (counts.get(short(c)) ?? 0) + 1);
  return cs.map((c) => ({
    id: c.id,
    name: c.name,
    project: c.project,
    service: c.service,
    replica: c.replica,
    tag: (counts.get(short(c)) ?? 0) > 1 ? c.name : short(c),
  }));
}
