/**
 * CPU and memory arithmetic on Docker's stats, matching what `docker stats` prints so the two
 * can be compared side by side.
 *
 * We poll one-shot stats (`stream=false&one-shot=true`), which skip the daemon's one-second
 * wait for a second reading and so come back with empty precpu_stats: CPU % is computed from
 * two of our own successive samples of the same container instead.
 */
import type { ContainerStats, DockerMemoryStats } from './schemas.js';
import { parseDockerTime } from './container.js';

export interface CpuSample {
  /** Cumulative container CPU time, ns. */
  totalUsage: number;
  /** Cumulative host CPU time across all CPUs, ns; null where the engine does not report it. */
  systemUsage: number | null;
  onlineCpus: number;
  /** When the daemon read the sample, epoch ms (for the wall-clock fallback). */
  readAt: number | null;
}

/** `hostCpus` (NCPU from /info) is the last resort when a sample says nothing about CPUs. */
export function cpuSampleFromStats(stats: ContainerStats, hostCpus?: number): CpuSample | null {
  const cpu = stats.cpu_stats;
  const total = cpu?.cpu_usage?.total_usage;
  if (cpu == null || total == null) return null;
  const percpu = cpu.cpu_usage?.percpu_usage?.length ?? 0;
  // online_cpus is absent on old engines; percpu_usage only exists on cgroup v1.
  const onlineCpus = cpu.online_cpus && cpu.online_cpus > 0 ? cpu.online_cpus : percpu > 0 ? percpu : hostCpus && hostCpus > 0 ? hostCpus : 1;
  const system = cpu.system_cpu_usage;
  return {
    totalUsage: total,
    systemUsage: system != null && system > 0 ? system : null,
    onlineCpus,
    readAt: parseDockerTime(stats.read),
  };
}

/**
 * CPU % the way docker stats shows it: 100 % = one core fully used, so 4 busy cores read 400 %.
 * null when there is nothing to compare yet or the counters went backwards (the container
 * restarted between samples, or the daemon did): the next sample is then the new baseline.
 */
export function cpuPercent(prev: CpuSample | null | undefined, cur: CpuSample): number | null {
  if (!prev) return null;
  const cpuDelta = cur.totalUsage - prev.totalUsage;
  if (cpuDelta < 0) return null;
  let fraction: number;
  if (cur.systemUsage !== null && prev.systemUsage !== null) {
    const systemDelta = cur.systemUsage - prev.systemUsage;
    if (systemDelta <= 0) return null;
    // system usage counts every CPU, so this is the share of the whole host…
    fraction = (cpuDelta / systemDelta) * cur.onlineCpus;
  } else if (cur.readAt !== null && prev.readAt !== null && cur.readAt > prev.readAt) {
    // …and without it, CPU seconds per wall-clock second is already in cores.
    fraction = cpuDelta / ((cur.readAt - prev.readAt) * 1e6);
  } else {
    return null;
  }
  // Two readings are not taken at exactly the same instant; do not show 403 % on four cores.
  return Math.min(Math.max(fraction * 100, 0), cur.onlineCpus * 100);
}

/**
 * Memory used without reclaimable page cache:
 * cgroup v1 subtracts total_inactive_file, cgroup v2 inactive_file (docker CLI ≥ 20.10);
 * engines that report neither fall back to `cache` as the CLI once did.
 */
export function memoryUsed(mem: DockerMemoryStats | null | undefined): number | null {
  const usage = mem?.usage;
  if (usage == null) return null;
  const s = mem?.stats ?? {};
  for (const v of [s.total_inactive_file, s.inactive_file, s.cache]) {
    if (v != null && v < usage) return usage - v;
  }
  return usage;
}
