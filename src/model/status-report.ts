import type { GridSnapshot } from './grid-store.js';
import type { ServiceRow, ProjectGroup, DegradedReason } from './grouping.js';
import type { HealthState } from '../docker/container.js';
import type { UsageLevel } from './stats-math.js';

/**
 * `opsdeck status --json`: the grid model as stable JSON for cron jobs and monitoring checks.
 * The shape is documented in the README ("status --json schema"); bump `schema` on any change
 * that could break a consumer.
 */
export interface StatusReport {
  schema: 1;
  server: string;
  generatedAt: string;
  degraded: boolean;
  faults: { project: string | null; service: string; reasons: DegradedReason[] }[];
  host: {
    engineVersion: string;
    apiVersion: string;
    cpus: number;
    memTotalBytes: number;
    uptimeSec: number | null;
    load: [number, number, number] | null;
    disk: { usedBytes: number; totalBytes: number; percent: number } | null;
    memoryBudget: { limitsTotalBytes: number; percent: number; unlimitedContainers: number; overcommitted: boolean } | null;
  } | null;
  projects: StatusProject[];
}

export interface StatusProject {
  name: string;
  kind: 'compose' | 'other';
  degraded: boolean;
  services: StatusService[];
  oneoffs: StatusService[];
}

export interface StatusService {
  service: string;
  state: string;
  replicas: { running: number; total: number };
  health: HealthState;
  healthCounts: { healthy: number; unhealthy: number; starting: number; none: number };
  restarts: number;
  lastRestartAt: string | null;
  restartLoop: boolean;
  recentExits: number;
  uptimeSec: number | null;
  cpu: { percent: number | null; limitCores: number | null; percentOfLimit: number | null; level: UsageLevel | null; noLimit: boolean };
  memory: { usedBytes: number | null; limitBytes: number | null; percent: number | null; level: UsageLevel | null; noLimit: boolean };
  ports: { hostIp: string; hostPort: string; containerPort: number; protocol: string }[];
  portWarnings: string[];
  image: string;
  imageFlags: string[];
  degraded: boolean;
  reasons: DegradedReason[];
  containers: {
    id: string;
    name: string;
    state: string;
    health: HealthState;
    restartCount: number;
    exitCode: number | null;
    startedAt: string | null;
    cpuPercent: number | null;
    memoryUsedBytes: number | null;
  }[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round1 = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);
const secs = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export function statusReport(server: string, snap: GridSnapshot, now: number = Date.now()): StatusReport {
  const h = snap.host;
  return {
    schema: 1,
    server,
    generatedAt: new Date(now).toISOString(),
    degraded: snap.verdict.degraded,
    faults: snap.verdict.faults.map((f) => ({ project: f.project, service: f.service, reasons: f.reasons })),
    host: h && {
      engineVersion: h.engineVersion,
      apiVersion: h.apiVersion,
      cpus: h.cpus,
      memTotalBytes: h.memTotal,
      uptimeSec: h.uptimeSec === null ? null : Math.floor(h.uptimeSec),
      load: h.load,
      disk: h.disk && { ...h.disk, percent: round1(h.disk.percent)! },
      memoryBudget: snap.budget && {
        limitsTotalBytes: snap.budget.limitsTotal,
        percent: round1(snap.budget.percent)!,
        unlimitedContainers: snap.budget.unlimited,
        overcommitted: snap.budget.overcommitted,
      },
    },
    projects: snap.groups.map(projectJson),
  };
}

function projectJson(p: ProjectGroup): StatusProject {
  return { name: p.name, kind: p.kind, degraded: p.degraded, services: p.services.map(serviceJson), oneoffs: p.oneoffs.map(serviceJson) };
}

function serviceJson(s: ServiceRow): StatusService {
  return {
    service: s.service,
    state: s.state,
    replicas: { running: s.running, total: s.total },
    health: s.health,
    healthCounts: s.healthCounts,
    restarts: s.restarts,
    lastRestartAt: iso(s.lastRestartAt),
    restartLoop: s.restartLoop,
    recentExits: s.recentExits,
    uptimeSec: secs(s.uptimeMs),
    cpu: { percent: round1(s.cpu.percent), limitCores: s.cpu.limitCores, percentOfLimit: round1(s.cpu.percentOfLimit), level: s.cpu.level, noLimit: s.cpu.noLimit },
    memory: { usedBytes: s.memory.used, limitBytes: s.memory.limit, percent: round1(s.memory.percent), level: s.memory.level, noLimit: s.memory.noLimit },
    ports: s.ports.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol })),
    portWarnings: s.portWarnings.map((w) => w.message),
    image: s.image.raw,
    imageFlags: [...s.imageFlags],
    degraded: s.degraded,
    reasons: s.reasons,
    containers: s.replicas.map((r) => ({
      id: r.container.id,
      name: r.container.name,
      state: r.container.state,
      health: r.container.health,
      restartCount: r.container.restartCount,
      exitCode: r.container.state === 'running' ? null : r.container.exitCode,
      startedAt: iso(r.container.startedAt),
      cpuPercent: round1(r.cpu.percent),
      memoryUsedBytes: r.memory.used,
    })),
  };
}
