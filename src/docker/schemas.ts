/**
 * The parts of the Docker Engine API's JSON that opsdeck relies on, as zod schemas.
 *
 * Lenient on purpose: objects are loose (unknown fields pass through), and anything that differs
 * between Engine versions (API 1.41 on Docker 20.10 up to 1.4x on current servers), between
 * cgroup v1 and v2, or that Docker writes as `null` instead of `{}`/`[]`, is optional or nullish.
 * A field we do not read must never make a container vanish from the grid.
 *
 * These types describe untrusted server text. Nothing here is sanitised: the models in src/model
 * do that once, where the data enters them.
 */
import { z } from 'zod';
import { MalformedAnswerError } from '../transport/answer-error.js';

const StringMap = z.record(z.string(), z.string());

/** `{"HostIp": "0.0.0.0", "HostPort": "5432"}`; HostIp is "" when no address was given. */
export const PortBindingSchema = z.looseObject({
  HostIp: z.string().nullish(),
  HostPort: z.string().nullish(),
});
export type DockerPortBinding = z.infer<typeof PortBindingSchema>;

/** Keys are "5432/tcp"; a value of null means exposed but not published. */
export const PortMapSchema = z.record(z.string(), z.array(PortBindingSchema).nullable());
export type DockerPortMap = z.infer<typeof PortMapSchema>;

export const MountSchema = z.looseObject({
  Type: z.string().nullish(),
  Name: z.string().nullish(),
  Source: z.string().nullish(),
  Destination: z.string().nullish(),
  Driver: z.string().nullish(),
  Mode: z.string().nullish(),
  RW: z.boolean().nullish(),
  Propagation: z.string().nullish(),
});
export type DockerMount = z.infer<typeof MountSchema>;

// ---------------------------------------------------------------------------------------------
// GET /containers/json

export const ContainerSummarySchema = z.looseObject({
  Id: z.string(),
  Names: z.array(z.string()).nullish(),
  Image: z.string().nullish(),
  ImageID: z.string().nullish(),
  Command: z.string().nullish(),
  Created: z.number().nullish(),
  State: z.string().nullish(),
  Status: z.string().nullish(),
  Ports: z
    .array(
      z.looseObject({
        IP: z.string().nullish(),
        PrivatePort: z.number(),
        PublicPort: z.number().nullish(),
        Type: z.string().nullish(),
      }),
    )
    .nullish(),
  Labels: StringMap.nullish(),
  Mounts: z.array(MountSchema).nullish(),
});
export type ContainerSummary = z.infer<typeof ContainerSummarySchema>;
export const ContainerListSchema = z.array(ContainerSummarySchema);

/**
 * The container list as the grid reads it: every entry needs its ID; labels and state are kept
 * when they have their shape and read as absent otherwise (a field we do not read, or one that is
 * odd, never drops a container: the grid's figures come from each container's inspect). A list
 * that is not one, or an entry without an ID, is refused whole with one line (Docker sends neither).
 */
const ContainerIdListSchema = z.array(
  z.looseObject({
    Id: z.string().min(1),
    State: z.string().nullish().catch(undefined),
    Labels: StringMap.nullish().catch(undefined),
  }),
);
export type ContainerIdEntry = z.infer<typeof ContainerIdListSchema>[number];

export function parseContainerList(raw: unknown): ContainerIdEntry[] {
  const r = ContainerIdListSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? `at ${issue.path.map(String).join('.')}` : 'the answer';
  throw new MalformedAnswerError(`malformed response from Docker: the container list, ${where}: ${issue?.message ?? 'unexpected shape'}`);
}

// ---------------------------------------------------------------------------------------------
// GET /containers/{id}/json

export const HealthLogEntrySchema = z.looseObject({
  Start: z.string().nullish(),
  End: z.string().nullish(),
  ExitCode: z.number().nullish(),
  Output: z.string().nullish(),
});
export type DockerHealthLogEntry = z.infer<typeof HealthLogEntrySchema>;

export const HealthSchema = z.looseObject({
  /** "starting" | "healthy" | "unhealthy" (and "none" on some versions). */
  Status: z.string().nullish(),
  FailingStreak: z.number().nullish(),
  Log: z.array(HealthLogEntrySchema).nullish(),
});

export const ContainerStateSchema = z.looseObject({
  /** "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead" */
  Status: z.string().nullish(),
  Running: z.boolean().nullish(),
  Paused: z.boolean().nullish(),
  Restarting: z.boolean().nullish(),
  OOMKilled: z.boolean().nullish(),
  Dead: z.boolean().nullish(),
  Pid: z.number().nullish(),
  ExitCode: z.number().nullish(),
  Error: z.string().nullish(),
  /** RFC 3339 with nanoseconds; "0001-01-01T00:00:00Z" means never. */
  StartedAt: z.string().nullish(),
  FinishedAt: z.string().nullish(),
  Health: HealthSchema.nullish(),
});

export const HealthcheckConfigSchema = z.looseObject({
  /** ["NONE"] disables an image's healthcheck; ["CMD-SHELL", "…"] or ["CMD", …] define one. */
  Test: z.array(z.string()).nullish(),
  /** Durations in nanoseconds. */
  Interval: z.number().nullish(),
  Timeout: z.number().nullish(),
  StartPeriod: z.number().nullish(),
  Retries: z.number().nullish(),
});

export const ContainerConfigSchema = z.looseObject({
  Hostname: z.string().nullish(),
  User: z.string().nullish(),
  /** What the container was created from, as the user wrote it ("postgres:16", "ghcr.io/a/b@sha256:…"). */
  Image: z.string().nullish(),
  Labels: StringMap.nullish(),
  /** "KEY=value" strings. */
  Env: z.array(z.string()).nullish(),
  Cmd: z.array(z.string()).nullish(),
  Entrypoint: z.array(z.string()).nullish(),
  Healthcheck: HealthcheckConfigSchema.nullish(),
  ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
});

export const RestartPolicySchema = z.looseObject({
  /** "" | "no" | "always" | "unless-stopped" | "on-failure" */
  Name: z.string().nullish(),
  MaximumRetryCount: z.number().nullish(),
});

export const HostConfigSchema = z.looseObject({
  /** Bytes; 0 = no limit. */
  Memory: z.number().nullish(),
  MemoryReservation: z.number().nullish(),
  MemorySwap: z.number().nullish(),
  /** 1e9 = one core; 0 = unset. */
  NanoCpus: z.number().nullish(),
  /** Microseconds of CPU per CpuPeriod; 0 or -1 = unset. */
  CpuQuota: z.number().nullish(),
  /** Microseconds; 0 = the kernel default of 100 000. */
  CpuPeriod: z.number().nullish(),
  CpuShares: z.number().nullish(),
  RestartPolicy: RestartPolicySchema.nullish(),
  /** What the container asked for (the compose `ports:`), as opposed to NetworkSettings.Ports (what is bound now). */
  PortBindings: PortMapSchema.nullish(),
  NetworkMode: z.string().nullish(),
  ReadonlyRootfs: z.boolean().nullish(),
});

export const ContainerInspectSchema = z.looseObject({
  Id: z.string(),
  Created: z.string().nullish(),
  /** With a leading slash: "/shop-api-1". */
  Name: z.string().nullish(),
  /** Image ID (sha256:…), not the reference; see Config.Image. */
  Image: z.string().nullish(),
  RestartCount: z.number().nullish(),
  State: ContainerStateSchema.nullish(),
  Config: ContainerConfigSchema.nullish(),
  HostConfig: HostConfigSchema.nullish(),
  Mounts: z.array(MountSchema).nullish(),
  NetworkSettings: z
    .looseObject({
      Ports: PortMapSchema.nullish(),
    })
    .nullish(),
});
export type ContainerInspect = z.infer<typeof ContainerInspectSchema>;

// ---------------------------------------------------------------------------------------------
// GET /containers/{id}/stats?stream=false&one-shot=true

export const CpuStatsSchema = z.looseObject({
  cpu_usage: z
    .looseObject({
      /** Cumulative nanoseconds of CPU time used by the container. */
      total_usage: z.number().nullish(),
      /** cgroup v1 only. */
      percpu_usage: z.array(z.number()).nullish(),
      usage_in_kernelmode: z.number().nullish(),
      usage_in_usermode: z.number().nullish(),
    })
    .nullish(),
  /** Cumulative nanoseconds of host CPU time (all CPUs); absent on Windows and for stopped containers. */
  system_cpu_usage: z.number().nullish(),
  online_cpus: z.number().nullish(),
  throttling_data: z
    .looseObject({
      periods: z.number().nullish(),
      throttled_periods: z.number().nullish(),
      throttled_time: z.number().nullish(),
    })
    .nullish(),
});
export type DockerCpuStats = z.infer<typeof CpuStatsSchema>;

/**
 * memory_stats.stats differs by cgroup version:
 * - v1: cache, rss, inactive_file, total_inactive_file, total_cache, …
 * - v2: anon, file, inactive_file, active_file, shmem, …
 * Only the keys we read are named; the rest pass through.
 */
export const MemoryStatsSchema = z.looseObject({
  usage: z.number().nullish(),
  max_usage: z.number().nullish(),
  limit: z.number().nullish(),
  stats: z
    .looseObject({
      cache: z.number().nullish(),
      total_inactive_file: z.number().nullish(),
      inactive_file: z.number().nullish(),
      anon: z.number().nullish(),
      file: z.number().nullish(),
      rss: z.number().nullish(),
    })
    .nullish(),
});
export type DockerMemoryStats = z.infer<typeof MemoryStatsSchema>;

export const ContainerStatsSchema = z.looseObject({
  /** When the daemon read the sample (RFC 3339). */
  read: z.string().nullish(),
  preread: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
  cpu_stats: CpuStatsSchema.nullish(),
  /** Zero-valued in one-shot mode, which is why CPU % comes from two of our own samples. */
  precpu_stats: CpuStatsSchema.nullish(),
  memory_stats: MemoryStatsSchema.nullish(),
  pids_stats: z.looseObject({ current: z.number().nullish(), limit: z.number().nullish() }).nullish(),
});
export type ContainerStats = z.infer<typeof ContainerStatsSchema>;

// ---------------------------------------------------------------------------------------------
// GET /events

export const DockerEventSchema = z.looseObject({
  /** "container" | "image" | "network" | "volume" | "daemon" | … */
  Type: z.string(),
  /** "start" | "die" | "kill" | "stop" | "restart" | "oom" | "destroy" | "health_status: healthy" | "exec_start: sh" | … */
  Action: z.string(),
  Actor: z
    .looseObject({
      ID: z.string().nullish(),
      /** For containers: the container's labels plus name, image, exitCode (on die), signal (on kill). */
      Attributes: StringMap.nullish(),
    })
    .nullish(),
  scope: z.string().nullish(),
  /** Seconds since the epoch. */
  time: z.number().nullish(),
  /** Nanoseconds since the epoch (beyond 2^53, so it arrives slightly rounded; fine for ordering). */
  timeNano: z.number().nullish(),
  // Deprecated duplicates that API 1.41 still sends and newer versions drop.
  status: z.string().nullish(),
  id: z.string().nullish(),
  from: z.string().nullish(),
});
export type DockerEvent = z.infer<typeof DockerEventSchema>;

// ---------------------------------------------------------------------------------------------
// GET /info, GET /version

export const DockerInfoSchema = z.looseObject({
  ID: z.string().nullish(),
  Name: z.string().nullish(),
  ServerVersion: z.string().nullish(),
  /** Bytes. */
  MemTotal: z.number().nullish(),
  NCPU: z.number().nullish(),
  DockerRootDir: z.string().nullish(),
  OperatingSystem: z.string().nullish(),
  KernelVersion: z.string().nullish(),
  /** "1" | "2"; absent before API 1.40. */
  CgroupVersion: z.string().nullish(),
  CgroupDriver: z.string().nullish(),
  /** The server's clock, to correct uptimes for clock skew between the operator and the server. */
  SystemTime: z.string().nullish(),
  Containers: z.number().nullish(),
  ContainersRunning: z.number().nullish(),
  ContainersPaused: z.number().nullish(),
  ContainersStopped: z.number().nullish(),
});
export type DockerInfo = z.infer<typeof DockerInfoSchema>;

export const DockerVersionSchema = z.looseObject({
  Version: z.string().nullish(),
  ApiVersion: z.string().nullish(),
  MinAPIVersion: z.string().nullish(),
  Os: z.string().nullish(),
  Arch: z.string().nullish(),
  KernelVersion: z.string().nullish(),
  GoVersion: z.string().nullish(),
  Platform: z.looseObject({ Name: z.string().nullish() }).nullish(),
});
export type DockerVersion = z.infer<typeof DockerVersionSchema>;
