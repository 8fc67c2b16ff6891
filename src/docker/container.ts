/**
 * One container as the grid and the detail screen see it: plain data, every server string
 * sanitised once here, environment already masked.
 *
 * Raw environment values are deliberately not kept: this object is what `status --json`
 * serialises and what a shared on-call screen draws, so a secret in it would be one
 * JSON.stringify away from a log file. A future "reveal" would re-inspect on demand.
 *
 * `name` is for display. Actions must address containers by `id`: a sanitised name may not be
 * the name Docker knows.
 */
import type { ContainerInspect, DockerMount, DockerPortMap } from './schemas.js';
import { sanitise, sanitiseRecord } from '../text/sanitise.js';
import { imageFlags, parseImageRef, type ImageFlag, type ImageRef } from './image-ref.js';
import { maskEnv, type EnvVar } from './secret-mask.js';

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead' | 'unknown';
export type HealthState = 'healthy' | 'unhealthy' | 'starting' | 'none';
export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
} as const;

export interface ComposeIdentity {
  project: string | null;
  service: string | null;
  /** com.docker.compose.container-number: 1, 2, … for replicas. */
  replica: number | null;
  /** `docker compose run` containers. */
  oneoff: boolean;
}

export interface PortBinding {
  /** "5432/tcp" split up. */
  containerPort: number;
  protocol: string;
  /** "" means all interfaces, as Docker treats it. */
  hostIp: string;
  /** "" when Docker picks an ephemeral port; may be a range "8000-8010". */
  hostPort: string;
}

export interface MountView {
  type: string;
  /** Volume name for named volumes, otherwise null. */
  name: string | null;
  source: string;
  destination: string;
  readOnly: boolean;
}

export interface HealthCheckRun {
  startedAt: number | null;
  endedAt: number | null;
  exitCode: number | null;
  /** Multi-line output kept as lines (sanitised with line breaks preserved). */
  output: string;
}

export interface ContainerView {
  id: string;
  /** First 12 hex digits, as the docker CLI shows it. */
  shortId: string;
  /** Without Docker's leading slash. */
  name: string;
  project: string | null;
  service: string | null;
  replica: number | null;
  oneoff: boolean;
  state: ContainerState;
  /** What Docker reports, kept for exited containers too; the grid counts running ones only. */
  health: HealthState;
  /** Whether a healthcheck is configured at all (health "none" can also mean "disabled"). */
  hasHealthcheck: boolean;
  failingStreak: number;
  /** Restarts done by Docker's restart policy since the container was last started by hand. */
  restartCount: number;
  restartPolicy: { name: RestartPolicyName; maxRetries: number };
  /** Epoch ms of `docker create`; null when the Engine did not say. */
  createdAt: number | null;
  /** Epoch ms; null when never started. */
  startedAt: number | null;
  finishedAt: number | null;
  /** Meaningful when the container is not running. */
  exitCode: number | null;
  oomKilled: boolean;
  /** Docker's error text for a failed start ("port is already allocated"). */
  error: string;
  image: ImageRef;
  imageFlags: ImageFlag[];
  /** Bytes; null = no limit. */
  memLimit: number | null;
  /** null = no limit. */
  cpuLimitCores: number | null;
  /** Configured bindings (HostConfig.PortBindings): what the compose file asked for, running or not. */
  ports: PortBinding[];
  mounts: MountView[];
  labels: Record<string, string>;
  env: EnvVar[];
  /** Oldest first, as Docker keeps them (the last five). */
  healthLog: HealthCheckRun[];
}

export function containerFromInspect(c: ContainerInspect): ContainerView {
  const labels = sanitiseRecord(c.Config?.Labels);
  const compose = composeIdentity(labels);
  const state = c.State ?? {};
  const image = parseImageRef(sanitise(c.Config?.Image ?? c.Image ?? ''));
  const id = sanitise(c.Id);
  const healthTest = c.Config?.Healthcheck?.Test ?? null;
  return {
    id,
    shortId: id.replace(/^sha256:/, '').slice(0, 12),
    name: sanitise((c.Name ?? '').replace(/^\//, '')),
    ...compose,
    state: toContainerState(state.Status, state),
    health: toHealthState(state.Health?.Status),
    hasHealthcheck: state.Health != null || (healthTest !== null && healthTest.length > 0 && healthTest[0] !== 'NONE'),
    failingStreak: state.Health?.FailingStreak ?? 0,
    restartCount: c.RestartCount ?? 0,
    restartPolicy: {
      name: toRestartPolicy(c.HostConfig?.RestartPolicy?.Name),
      maxRetries: c.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0,
    },
    createdAt: parseDockerTime(c.Created),
    startedAt: parseDockerTime(state.StartedAt),
    finishedAt: parseDockerTime(state.FinishedAt),
    exitCode: state.ExitCode ?? null,
    oomKilled: state.OOMKilled ?? false,
    error: sanitise(state.Error ?? ''),
    image,
    imageFlags: imageFlags(image),
    memLimit: positiveOrNull(c.HostConfig?.Memory),
    cpuLimitCores: cpuLimitCores(c.HostConfig ?? {}),
    ports: portBindings(c.HostConfig?.PortBindings),
    mounts: (c.Mounts ?? []).map(mountView),
    labels,
    env: maskEnv((c.Config?.Env ?? []).map((e) => sanitise(e))),
    healthLog: (state.Health?.Log ?? []).map((h) => ({
      startedAt: parseDockerTime(h.Start),
      endedAt: parseDockerTime(h.End),
      exitCode: h.ExitCode ?? null,
      output: sanitise((h.Output ?? '').replace(/\s+$/, ''), { multiline: true }),
    })),
  };
}

/** Compose's labels on a container (or on an event's Actor.Attributes). Expects sanitised labels. */
export function composeIdentity(labels: Readonly<Record<string, string>>): ComposeIdentity {
  const project = labels[COMPOSE_LABELS.project] || null;
  const service = labels[COMPOSE_LABELS.service] || null;
  const n = Number.parseInt(labels[COMPOSE_LABELS.number] ?? '', 10);
  return {
    project,
    service: project ? service : null,
    replica: Number.isFinite(n) && n > 0 ? n : null,
    // Compose writes "True"/"False" (Python heritage); be liberal in what we accept.
    oneoff: /^true$/i.test(labels[COMPOSE_LABELS.oneoff] ?? ''),
  };
}

/**
 * The key a service is tracked under, shared by the grouping and the restart-loop detector so
 * exits of a replaced container still count against its service.
 */
export function serviceKey(id: Pick<ComposeIdentity, 'project' | 'service' | 'oneoff'>, containerName: string): string {
  if (id.project && id.service) return `${id.oneoff ? 'oneoff' : 'compose'}:${id.project}/${id.service}`;
  return `other:${containerName}`;
}

/** NanoCpus wins (it is what `cpus:` sets); otherwise CpuQuota/CpuPeriod. */
export function cpuLimitCores(hc: { NanoCpus?: number | null; CpuQuota?: number | null; CpuPeriod?: number | null }): number | null {
  if (hc.NanoCpus && hc.NanoCpus > 0) return hc.NanoCpus / 1e9;
  if (hc.CpuQuota && hc.CpuQuota > 0) {
    // A period of 0 means the kernel default of 100 ms.
    const period = hc.CpuPeriod && hc.CpuPeriod > 0 ? hc.CpuPeriod : 100_000;
    return hc.CpuQuota / period;
  }
  return null;
}

/** Docker's RFC 3339 timestamps to epoch ms; its zero time ("0001-01-01T00:00:00Z") means never. */
export function parseDockerTime(s: string | null | undefined): number | null {
  if (!s || s.startsWith('0001-01-01')) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) && t > 0 ? t : null;
}

export function portBindings(map: DockerPortMap | null | undefined): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(map ?? {})) {
    const [portText, proto] = key.split('/');
    const containerPort = Number.parseInt(portText ?? '', 10);
    if (!Number.isFinite(containerPort)) continue;
    for (const b of bindings ?? []) {
      out.push({
        containerPort,
        protocol: sanitise(proto ?? 'tcp') || 'tcp',
        hostIp: sanitise(b.HostIp ?? ''),
        hostPort: sanitise(b.HostPort ?? ''),
      });
    }
  }
  return out.sort((a, b) => a.containerPort - b.containerPort || cmp(a.protocol, b.protocol) || cmp(a.hostIp, b.hostIp));
}

function mountView(m: DockerMount): MountView {
  return {
    type: sanitise(m.Type ?? ''),
    name: m.Name ? sanitise(m.Name) : null,
    source: sanitise(m.Source ?? ''),
    destination: sanitise(m.Destination ?? ''),
    readOnly: m.RW === false,
  };
}

const STATES: ReadonlySet<string> = new Set(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);

function toContainerState(status: string | null | undefined, s: { Running?: boolean | null; Restarting?: boolean | null; Paused?: boolean | null; Dead?: boolean | null }): ContainerState {
  if (status && STATES.has(status)) return status as ContainerState;
  // Very old engines sent only the booleans.
  if (s.Restarting) return 'restarting';
  if (s.Paused) return 'paused';
  if (s.Running) return 'running';
  if (s.Dead) return 'dead';
  return 'unknown';
}

function toHealthState(status: string | null | undefined): HealthState {
  return status === 'healthy' || status === 'unhealthy' || status === 'starting' ? status : 'none';
}

function toRestartPolicy(name: string | null | undefined): RestartPolicyName {
  return name === 'always' || name === 'unless-stopped' || name === 'on-failure' ? name : 'no';
}

function positiveOrNull(n: number | null | undefined): number | null {
  return n && n > 0 ? n : null;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
