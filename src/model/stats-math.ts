/** What the grid makes of the sampler's figures: CPU against a limit in cores, warning levels, the memory budget. */
/** CPU % (100 = one core) as a share of the container's limit in cores. */
export function percentOfCores(cpuPercentValue: number | null, cores: number | null): number | null {
  if (cpuPercentValue === null || cores === null || cores <= 0) return null;
  return cpuPercentValue / cores;
}

export type UsageLevel = 'ok' | 'warn' | 'critical';

/** k9s-style thresholds for % of a limit. */
export const USAGE_THRESHOLDS = { warn: 70, critical: 90 } as const;

export function usageLevel(percent: number | null): UsageLevel | null {
  if (percent === null || !Number.isFinite(percent)) return null;
  if (percent >= USAGE_THRESHOLDS.critical) return 'critical';
  if (percent >= USAGE_THRESHOLDS.warn) return 'warn';
  return 'ok';
}

export interface MemoryBudget {
  /** MemTotal from /info. */
  hostTotal: number;
  /** Sum of the memory limits that are set. */
  limitsTotal: number;
  /** How many containers run without a limit (and so could take everything). */
  unlimited: number;
  /** limitsTotal / hostTotal in %. */
  percent: number;
  /** The limits add up to more than the host has. */
  overcommitted: boolean;
}

/** The header's "26.0 GiB of 32.0 GiB" line: the planned budget against what the host has. */
export function memoryBudget(limits: readonly (number | null)[], hostTotal: number): MemoryBudget {
  let limitsTotal = 0;
  let unlimited = 0;
  for (const l of limits) {
    if (l !== null && l > 0) limitsTotal += l;
    else unlimited++;
  }
  return {
    hostTotal,
    limitsTotal,
    unlimited,
    percent: hostTotal > 0 ? (limitsTotal / hostTotal) * 100 : 0,
    overcommitted: hostTotal > 0 && limitsTotal > hostTotal,
  };
}
