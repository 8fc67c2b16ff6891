/**
 * The grid's shape: Compose project → service → replicas, and the one row per service that
 * answers "is it up, is it healthy, is it crash-looping, is it near its limits".
 *
 * Pure: containers come from inspect (containerFromInspect), live figures from the stats
 * sampler, restart loops from the events detector, and `now` from the caller, so the same
 * inputs always give the same grid (and `opsdeck status` and the TUI agree).
 *
 * Decisions the issue left open:
 * - One-off containers (`docker compose run`) are listed apart within their project and never
 *   make the grid degraded: a failed migration run from last week is not an outage.
 * - A container exited non-zero counts as degraded unless the exit looks asked for: its restart
 *   policy is always/unless-stopped (Docker would have restarted a crash, so someone stopped
 *   it), or it ended by SIGTERM/SIGINT (143/130) or a SIGKILL that was not the OOM killer (137,
 *   docker stop's timeout). Containers outside Compose count only if they have a restart
 *   policy, since a plain `docker run` that exited may never have been meant to stay up.
 * - Health is counted over running replicas only; Docker leaves a stopped container's last
 *   health status in place, which would read as "unhealthy" for a deliberately stopped service.
 * - Resource figures are over running replicas (all replicas when none runs, so a stopped
 *   service still shows its limits). Sums give used/limit; the warn/critical level comes from
 *   the replica nearest its own limit, because one replica at 95 % is in trouble even if its
 *   sibling idles.
 */
import type { ContainerState, ContainerView, HealthState, PortBinding } from '../docker/container.js';
import { serviceKey } from '../docker/container.js';
import type { ImageFlag, ImageRef } from '../docker/image-ref.js';
import { portWarnings, type PortWarning } from './port-exposure.js';
import { RestartLoopDetector, inspectRestartLoop, mergeRestartLoop, type RestartLoopStatus } from './restart-loop.js';
import { memoryBudget, percentOfCores, usageLevel, type MemoryBudget, type UsageLevel } from './stats-math.js';

export type { ContainerLive } from '../docker/stats-sampler.js';
import type { ContainerLive } from '../docker/stats-sampler.js';

export interface GridInput {
  containers: readonly ContainerView[];
  /** By container id. */
  live?: ReadonlyMap<string, ContainerLive>;
  /** By serviceKey() and RestartLoopDetector.containerKey(): RestartLoopDetector.snapshot(). */
  loops?: ReadonlyMap<string, RestartLoopStatus>;
  /** Epoch ms, on the server's clock if skew is known. */
  now: number;
}

export type ServiceState = 'running' | 'partial' | 'restarting' | 'paused' | 'stopped' | 'exited' | 'created' | 'dead' | 'removing' | 'unknown';

export type DegradedReason = 'unhealthy' | 'restarting' | 'exited-nonzero' | 'restart-loop' | 'dead';

export interface HealthCounts {
  healthy: number;
  unhealthy: number;
  starting: number;
  none: number;
}

export interface CpuFigures {
  /** Sum over the replicas, 100 = one core; null until two samples exist. */
  percent: number | null;
  /** Sum of the limits; null when any replica has none. */
  limitCores: number | null;
  percentOfLimit: number | null;
  /** The replica nearest its own limit. */
  peakPercentOfLimit: number | null;
  level: UsageLevel | null;
  /** Some replica runs without a CPU limit. */
  noLimit: boolean;
}

export interface MemoryFigures {
  used: number | null;
  limit: number | null;
  percent: number | null;
  peakPercent: number | null;
  level: UsageLevel | null;
  noLimit: boolean;
}

export interface ReplicaRow {
  container: ContainerView;
  uptimeMs: number | null;
  cpu: CpuFigures;
  memory: MemoryFigures;
  restartLoop: RestartLoopStatus | null;
  reasons: DegradedReason[];
}

export interface ServiceRow {
  /** serviceKey(): "compose:shop/api", "oneoff:shop/api", "other:portainer". */
  key: string;
  project: string | null;
  /** The Compose service, or the container name outside Compose. */
  service: string;
  oneoff: boolean;
  /** Sorted by replica number, then name. */
  replicas: ReplicaRow[];
  running: number;
  total: number;
  state: ServiceState;
  /** The latest non-zero exit code among stopped replicas. */
  exitCode: number | null;
  /** The worst among running replicas: unhealthy > starting > healthy > none. */
  health: HealthState;
  healthCounts: HealthCounts;
  /** Docker's RestartCount summed over replicas. */
  restarts: number;
  lastRestartAt: number | null;
  sinceLastRestartMs: number | null;
  restartLoop: boolean;
  /** Exits inside the restart-loop window. */
  recentExits: number;
  /** The youngest running replica's uptime: the one that restarted last. */
  uptimeMs: number | null;
  cpu: CpuFigures;
  memory: MemoryFigures;
  ports: PortBinding[];
  portWarnings: PortWarning[];
  image: ImageRef;
  imageFlags: ImageFlag[];
  /** Replicas run different images (mid-rollout, or a manual `docker run` beside Compose). */
  mixedImages: boolean;
  degraded: boolean;
  reasons: DegradedReason[];
}

export interface ProjectGroup {
  /** "compose:shop", or "other" for containers without Compose labels. */
  key: string;
  name: string;
  kind: 'compose' | 'other';
  services: ServiceRow[];
  oneoffs: ServiceRow[];
  degraded: boolean;
}

export interface GridVerdict {
  degraded: boolean;
  faults: { key: string; project: string | null; service: string; reasons: DegradedReason[] }[];
}

const OTHER = 'other';

/** What a service's row takes from its containers alone: the same until one of them is re-inspected. */
interface ServiceFacts {
  key: string;
  /** Sorted by replica number, then name. */
  sorted: readonly ContainerView[];
  first: ContainerView;
  running: number;
  healthCounts: HealthCounts;
  restartedAt: number | null;
  ports: PortBinding[];
  portWarnings: PortWarning[];
  imageFlags: ImageFlag[];
  mixedImages: boolean;
  state: ServiceState;
  exitCode: number | null;
  restarts: number;
}

interface Layout {
  groups: { key: string; name: string; kind: 'compose' | 'other'; services: ServiceFacts[]; oneoffs: ServiceFacts[] }[];
}

// The grid is regrouped at every stats reading (every two seconds, for hours), but which
// container belongs where, and everything a row takes from inspect alone, only changes when a
// container does: the grid store hands over the same list until then, so the layout is kept.
const layouts = new WeakMap<readonly ContainerView[], Layout>();

export function groupContainers(input: GridInput): ProjectGroup[] {
  const layout = layoutOf(input.containers);
  return layout.groups.map((g) => {
    const services = g.services.map((f) => serviceRow(f, input));
    return { key: g.key, name: g.name, kind: g.kind, services, oneoffs: g.oneoffs.map((f) => serviceRow(f, input)), degraded: services.some((s) => s.degraded) };
  });
}

function layoutOf(containers: readonly ContainerView[]): Layout {
  const known = layouts.get(containers);
  if (known) return known;
  const byProject = new Map<string, { kind: 'compose' | 'other'; name: string; services: Map<string, ContainerView[]> }>();
  for (const c of containers) {
    const isCompose = c.project !== null && c.service !== null;
    const projectKey = isCompose ? `compose:${c.project}` : OTHER;
    let p = byProject.get(projectKey);
    if (!p) {
      p = { kind: isCompose ? 'compose' : 'other', name: isCompose ? c.project! : OTHER, services: new Map() };
      byProject.set(projectKey, p);
    }
    const key = serviceKey(c, c.name);
    const list = p.services.get(key);
    if (list) list.push(c);
    else p.services.set(key, [c]);
  }
  const groups: Layout['groups'] = [];
  for (const [key, p] of byProject) {
    const facts = [...p.services.entries()].map(([k, cs]) => serviceFacts(k, cs));
    const services = facts.filter((f) => !f.first.oneoff).sort(byFactsName);
    const oneoffs = facts.filter((f) => f.first.oneoff).sort(byFactsName);
    groups.push({ key, name: p.name, kind: p.kind, services, oneoffs });
  }
  // Compose projects by name; loose containers last.
  groups.sort((a, b) => (a.kind === b.kind ? cmp(a.name, b.name) : a.kind === 'other' ? 1 : -1));
  const layout = { groups };
  layouts.set(containers, layout);
  return layout;
}

function serviceFacts(key: string, containers: readonly ContainerView[]): ServiceFacts {
  const sorted = [...containers].sort(byReplica);
  const first = sorted[0];
  if (!first) throw new Error(`summariseService: no containers for ${key}`);
  const healthCounts: HealthCounts = { healthy: 0, unhealthy: 0, starting: 0, none: 0 };
  let running = 0;
  let restartedAt: number | null = null;
  let restarts = 0;
  for (const c of sorted) {
    if (c.state === 'running') {
      running++;
      healthCounts[c.health]++;
    }
    if (c.restartCount > 0 && c.startedAt !== null && (restartedAt === null || c.startedAt > restartedAt)) restartedAt = c.startedAt;
    restarts += c.restartCount;
  }
  const ports = dedupePorts(sorted.flatMap((c) => c.ports));
  return {
    key,
    sorted,
    first,
    running,
    healthCounts,
    restartedAt,
    ports,
    portWarnings: portWarnings(ports),
    imageFlags: [...new Set(sorted.flatMap((c) => c.imageFlags))],
    mixedImages: sorted.some((c) => c.image.raw !== first.image.raw),
    state: serviceState(sorted),
    exitCode: latestFailureExit(sorted),
    restarts,
  };
}

/** One service's row from its containers (all sharing `key`). */
export function summariseService(key: string, containers: readonly ContainerView[], input: Pick<GridInput, 'live' | 'loops' | 'now'>): ServiceRow {
  return serviceRow(serviceFacts(key, containers), input);
}

/** A service's row: its containers' facts with this reading's figures, loops and clock. */
function serviceRow(f: ServiceFacts, input: Pick<GridInput, 'live' | 'loops' | 'now'>): ServiceRow {
  const { key, first, sorted } = f;
  const oneoff = first.oneoff;
  const replicas = sorted.map((c) => replicaRow(c, input));
  const resourceSet = f.running > 0 ? replicas.filter((r) => r.container.state === 'running') : replicas;

  const loop = input.loops?.get(key) ?? null;
  let lastRestartAt: number | null = loop?.lastExitAt ?? null;
  if (f.restartedAt !== null && (lastRestartAt === null || f.restartedAt > lastRestartAt)) lastRestartAt = f.restartedAt;
  // A replica's own last exit, from its events or (for a loop dockerd forgot) its FinishedAt.
  let recentExits = loop?.exitsInWindow ?? 0;
  let uptimeMs: number | null = null;
  for (const r of replicas) {
    const at = r.restartLoop?.lastExitAt ?? null;
    if (at !== null && (lastRestartAt === null || at > lastRestartAt)) lastRestartAt = at;
    recentExits = Math.max(recentExits, r.restartLoop?.exitsInWindow ?? 0);
    if (r.uptimeMs !== null && (uptimeMs === null || r.uptimeMs < uptimeMs)) uptimeMs = r.uptimeMs;
  }
  const reasons = oneoff ? [] : unionReasons(replicas, loop?.looping === true);

  return {
    key,
    project: first.project,
    service: first.service ?? first.name,
    oneoff,
    replicas,
    running: f.running,
    total: sorted.length,
    state: f.state,
    exitCode: f.exitCode,
    health: worstHealth(f.healthCounts),
    healthCounts: f.healthCounts,
    restarts: f.restarts,
    lastRestartAt,
    sinceLastRestartMs: lastRestartAt === null ? null : Math.max(0, input.now - lastRestartAt),
    restartLoop: reasons.includes('restart-loop'),
    recentExits,
    uptimeMs,
    cpu: sumCpu(resourceSet),
    memory: sumMemory(resourceSet),
    ports: f.ports,
    portWarnings: f.portWarnings,
    image: first.image,
    imageFlags: f.imageFlags,
    mixedImages: f.mixedImages,
    degraded: reasons.length > 0,
    reasons,
  };
}

export function replicaRow(c: ContainerView, input: Pick<GridInput, 'live' | 'loops' | 'now'>): ReplicaRow {
  const live = input.live?.get(c.id);
  // The events see every exit from the moment opsdeck started (and as far back as dockerd
  // remembers); inspect covers a loop whose exits dockerd has already forgotten.
  const loop = mergeRestartLoop(input.loops?.get(RestartLoopDetector.containerKey(c.id)) ?? null, c.oneoff ? null : inspectRestartLoop(c, input.now));
  const cpuPercent = c.state === 'running' ? live?.cpuPercent ?? null : null;
  const cpuOfLimit = percentOfCores(cpuPercent, c.cpuLimitCores);
  const memUsed = c.state === 'running' ? live?.memoryUsed ?? null : null;
  const memPercent = memUsed !== null && c.memLimit !== null && c.memLimit > 0 ? (memUsed / c.memLimit) * 100 : null;
  return {
    container: c,
    uptimeMs: c.state === 'running' && c.startedAt !== null ? Math.max(0, input.now - c.startedAt) : null,
    cpu: {
      percent: cpuPercent,
      limitCores: c.cpuLimitCores,
      percentOfLimit: cpuOfLimit,
      peakPercentOfLimit: cpuOfLimit,
      level: usageLevel(cpuOfLimit),
      noLimit: c.cpuLimitCores === null,
    },
    memory: {
      used: memUsed,
      limit: c.memLimit,
      percent: memPercent,
      peakPercent: memPercent,
      level: usageLevel(memPercent),
      noLimit: c.memLimit === null,
    },
    restartLoop: loop,
    reasons: c.oneoff ? [] : containerReasons(c, loop),
  };
}

export function containerReasons(c: ContainerView, loop: RestartLoopStatus | null = null): DegradedReason[] {
  const reasons: DegradedReason[] = [];
  if (c.state === 'running' && c.health === 'unhealthy') reasons.push('unhealthy');
  if (c.state === 'restarting') reasons.push('restarting');
  if (c.state === 'dead') reasons.push('dead');
  if (c.state === 'exited' && isFailedExit(c)) reasons.push('exited-nonzero');
  if (loop?.looping) reasons.push('restart-loop');
  return reasons;
}

/** An exit that nobody asked for (see the decisions at the top of this file). */
export function isFailedExit(c: ContainerView): boolean {
  if (c.exitCode === null || c.exitCode === 0) return false;
  if (c.oomKilled) return true;
  if (c.restartPolicy.name === 'always' || c.restartPolicy.name === 'unless-stopped') return false;
  if (c.exitCode === 143 || c.exitCode === 130 || c.exitCode === 137) return false;
  if (c.project === null && c.restartPolicy.name === 'no') return false;
  return true;
}

/** For `opsdeck status`: exit 1 when this says degraded. */
export function gridVerdict(groups: readonly ProjectGroup[]): GridVerdict {
  const faults: GridVerdict['faults'] = [];
  for (const g of groups) {
    for (const s of g.services) if (s.degraded) faults.push({ key: s.key, project: s.project, service: s.service, reasons: s.reasons });
  }
  return { degraded: faults.length > 0, faults };
}

/** The header's memory line: limits of everything that can use memory now (running, restarting, paused). */
export function gridMemoryBudget(containers: readonly ContainerView[], hostTotal: number): MemoryBudget {
  const live = containers.filter((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused');
  return memoryBudget(live.map((c) => c.memLimit), hostTotal);
}

function serviceState(cs: readonly ContainerView[]): ServiceState {
  const count = (s: ContainerState) => cs.filter((c) => c.state === s).length;
  const running = count('running');
  if (cs.length === 0) return 'unknown';
  if (count('restarting') > 0) return 'restarting';
  if (running === cs.length) return 'running';
  if (running > 0) return 'partial';
  if (count('paused') > 0) return 'paused';
  if (count('dead') > 0) return 'dead';
  if (count('removing') > 0) return 'removing';
  if (count('exited') > 0) return cs.some((c) => c.state === 'exited' && isFailedExit(c)) ? 'exited' : 'stopped';
  if (count('created') === cs.length) return 'created';
  return 'unknown';
}

function latestFailureExit(cs: readonly ContainerView[]): number | null {
  let best: ContainerView | null = null;
  for (const c of cs) {
    if (c.state === 'running' || c.exitCode === null || c.exitCode === 0) continue;
    if (best === null || (c.finishedAt ?? 0) > (best.finishedAt ?? 0)) best = c;
  }
  return best?.exitCode ?? null;
}

function worstHealth(h: HealthCounts): HealthState {
  if (h.unhealthy > 0) return 'unhealthy';
  if (h.starting > 0) return 'starting';
  if (h.healthy > 0) return 'healthy';
  return 'none';
}

function sumCpu(rows: readonly ReplicaRow[]): CpuFigures {
  const t = totals(rows, (r) => [r.cpu.percent, r.cpu.limitCores, r.cpu.peakPercentOfLimit]);
  return {
    percent: t.used,
    limitCores: t.limit,
    percentOfLimit: percentOfCores(t.used, t.limit),
    peakPercentOfLimit: t.peak,
    level: usageLevel(t.peak),
    noLimit: t.noLimit,
  };
}

function sumMemory(rows: readonly ReplicaRow[]): MemoryFigures {
  const t = totals(rows, (r) => [r.memory.used, r.memory.limit, r.memory.peakPercent]);
  return {
    used: t.used,
    limit: t.limit,
    percent: t.used !== null && t.limit !== null && t.limit > 0 ? (t.used / t.limit) * 100 : null,
    peakPercent: t.peak,
    level: usageLevel(t.peak),
    noLimit: t.noLimit,
  };
}

/**
 * Over the replicas: the known figures summed, the limits summed (null when any replica has
 * none), and the highest percentage of its own limit. One loop: it runs for every service at
 * every stats reading.
 */
function totals(rows: readonly ReplicaRow[], pick: (r: ReplicaRow) => readonly [used: number | null, limit: number | null, peak: number | null]) {
  let used: number | null = null;
  let limit: number | null = null;
  let peak: number | null = null;
  let noLimit = false;
  for (const r of rows) {
    const [u, l, p] = pick(r);
    if (u !== null) used = (used ?? 0) + u;
    if (l === null) noLimit = true;
    else limit = (limit ?? 0) + l;
    if (p !== null && (peak === null || p > peak)) peak = p;
  }
  return { used, limit: noLimit ? null : limit, peak, noLimit };
}

function dedupePorts(ports: readonly PortBinding[]): PortBinding[] {
  const seen = new Set<string>();
  const out: PortBinding[] = [];
  for (const p of ports) {
    const k = `${p.containerPort}/${p.protocol}|${p.hostIp}|${p.hostPort}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  }
  return out;
}

const REASON_ORDER: readonly DegradedReason[] = ['restart-loop', 'unhealthy', 'restarting', 'exited-nonzero', 'dead'];

function unionReasons(replicas: readonly ReplicaRow[], serviceLooping: boolean): DegradedReason[] {
  const set = new Set<DegradedReason>(serviceLooping ? ['restart-loop'] : []);
  for (const r of replicas) for (const reason of r.reasons) set.add(reason);
  return set.size === 0 ? [] : REASON_ORDER.filter((r) => set.has(r));
}

function byReplica(a: ContainerView, b: ContainerView): number {
  return (a.replica ?? Number.MAX_SAFE_INTEGER) - (b.replica ?? Number.MAX_SAFE_INTEGER) || cmp(a.name, b.name) || cmp(a.id, b.id);
}

function byFactsName(a: ServiceFacts, b: ServiceFacts): number {
  return cmp(a.first.service ?? a.first.name, b.first.service ?? b.first.name) || cmp(a.key, b.key);
}

// Code-point order: the same on every machine whatever its locale, so rows never swap places.
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
