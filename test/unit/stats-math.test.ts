import { describe, expect, it } from 'vitest';
import { ContainerStatsSchema, type ContainerStats } from '../../src/docker/schemas.js';
import { cpuPercent, cpuSampleFromStats, memoryUsed, type CpuSample } from '../../src/docker/stats-arithmetic.js';
import { memoryBudget, percentOfCores, usageLevel } from '../../src/model/stats-math.js';
import { fixture, GiB, MiB } from './fixtures/load.js';

const stats = (name: string): ContainerStats => ContainerStatsSchema.parse(fixture(name));

describe('CPU % from two one-shot samples', () => {
  it('cgroup v1 (Docker 20.10): 1 s of CPU over 2 s on 4 CPUs is 50 % of one core', () => {
    const a = cpuSampleFromStats(stats('stats-v1-a.json'))!;
    const b = cpuSampleFromStats(stats('stats-v1-b.json'))!;
    expect(a.onlineCpus).toBe(4);
    expect(cpuPercent(a, b)).toBeCloseTo(50, 6);
  });

  it('cgroup v2 (Docker 24, no percpu_usage): 12 s over 2 s on 8 CPUs is 600 %', () => {
    const a = cpuSampleFromStats(stats('stats-v2-a.json'))!;
    const b = cpuSampleFromStats(stats('stats-v2-b.json'))!;
    expect(a.onlineCpus).toBe(8);
    expect(cpuPercent(a, b)).toBeCloseTo(600, 6);
    // As a share of a 6-core limit that is 100 %; of no limit, unknown.
    expect(percentOfCores(cpuPercent(a, b), 6)).toBeCloseTo(100, 6);
    expect(percentOfCores(cpuPercent(a, b), null)).toBeNull();
  });

  it('needs a previous sample: one-shot stats carry no usable precpu_stats', () => {
    const b = cpuSampleFromStats(stats('stats-v1-b.json'))!;
    expect(cpuPercent(null, b)).toBeNull();
    expect(cpuPercent(undefined, b)).toBeNull();
  });

  const sample = (over: Partial<CpuSample>): CpuSample => ({ totalUsage: 0, systemUsage: 0, onlineCpus: 4, readAt: 0, ...over });

  it('returns null when the container restarted between samples (counter went backwards)', () => {
    expect(cpuPercent(sample({ totalUsage: 9e12, systemUsage: 1e15 }), sample({ totalUsage: 2e9, systemUsage: 1e15 + 8e9 }))).toBeNull();
  });

  it('returns null when host time did not advance, and 0 for an idle container', () => {
    expect(cpuPercent(sample({ totalUsage: 5, systemUsage: 100 }), sample({ totalUsage: 6, systemUsage: 100 }))).toBeNull();
    expect(cpuPercent(sample({ totalUsage: 5, systemUsage: 100 }), sample({ totalUsage: 5, systemUsage: 200 }))).toBe(0);
  });

  it('falls back to wall-clock time when system usage is missing', () => {
    const prev = sample({ totalUsage: 1e9, systemUsage: null, readAt: 1_000 });
    const cur = sample({ totalUsage: 1e9 + 3e9, systemUsage: null, readAt: 3_000 });
    // 3 s of CPU in 2 s of wall time: 1.5 cores.
    expect(cpuPercent(prev, cur)).toBeCloseTo(150, 6);
    expect(cpuPercent({ ...prev, readAt: null }, cur)).toBeNull();
  });

  it('never reports more than all online CPUs', () => {
    expect(cpuPercent(sample({ totalUsage: 0, systemUsage: 0 }), sample({ totalUsage: 9e9, systemUsage: 8e9, onlineCpus: 4 }))).toBe(400);
  });

  it('counts CPUs from online_cpus, then percpu_usage, then the host', () => {
    const base = { cpu_stats: { cpu_usage: { total_usage: 10, percpu_usage: [5, 5] }, system_cpu_usage: 100 } };
    expect(cpuSampleFromStats({ ...base, cpu_stats: { ...base.cpu_stats, online_cpus: 3 } })!.onlineCpus).toBe(3);
    expect(cpuSampleFromStats(base)!.onlineCpus).toBe(2);
    expect(cpuSampleFromStats({ cpu_stats: { cpu_usage: { total_usage: 10 }, system_cpu_usage: 100 } }, 8)!.onlineCpus).toBe(8);
    expect(cpuSampleFromStats({ cpu_stats: { cpu_usage: { total_usage: 10 }, system_cpu_usage: 100 } })!.onlineCpus).toBe(1);
  });

  it('a stopped container gives a sample without system usage or read time, so no CPU %', () => {
    const s = cpuSampleFromStats(stats('stats-stopped.json'))!;
    expect(s).toEqual({ totalUsage: 0, systemUsage: null, onlineCpus: 1, readAt: null });
    expect(cpuPercent(s, s)).toBeNull();
    expect(cpuSampleFromStats({})).toBeNull();
  });
});

describe('memory used', () => {
  it('cgroup v1: usage minus total_inactive_file (not cache), as docker stats does', () => {
    expect(memoryUsed(stats('stats-v1-b.json').memory_stats)).toBe(620 * MiB - 100 * MiB);
  });

  it('cgroup v2: usage minus inactive_file', () => {
    const s = stats('stats-v2-b.json');
    expect(memoryUsed(s.memory_stats)).toBe(Math.trunc(3.95 * GiB) - 256 * MiB);
  });

  it('old engines with only cache: usage minus cache', () => {
    expect(memoryUsed({ usage: 500, stats: { cache: 120 } })).toBe(380);
  });

  it('never goes negative and copes with no breakdown at all', () => {
    expect(memoryUsed({ usage: 100, stats: { inactive_file: 150 } })).toBe(100);
    expect(memoryUsed({ usage: 100 })).toBe(100);
    expect(memoryUsed({})).toBeNull();
    expect(memoryUsed(null)).toBeNull();
  });

  it('a stopped container has no figure', () => {
    expect(memoryUsed(stats('stats-stopped.json').memory_stats)).toBeNull();
  });
});

describe('usage levels', () => {
  it('warn at 70 %, critical at 90 %', () => {
    expect([0, 69.99, 70, 89.99, 90, 150, null, Number.NaN].map(usageLevel)).toEqual(['ok', 'ok', 'warn', 'warn', 'critical', 'critical', null, null]);
  });
});

describe('host memory budget', () => {
  it('the seed plan: 22 GiB of limits on a 32 GiB host is fine', () => {
    // web 2×1, admin 1, api 2×2, workers 2×1, postgres 4, redis 2, elasticsearch 2, minio 1, monitoring 2, 2 (two exporters)
    const limits = [1, 1, 1, 2, 2, 1, 1, 4, 2, 2, 1, 2, 2].map((g) => g * GiB);
    const b = memoryBudget(limits, 32 * GiB);
    expect(b).toEqual({ hostTotal: 32 * GiB, limitsTotal: 22 * GiB, unlimited: 0, percent: (22 / 32) * 100, overcommitted: false });
  });

  it('flags overcommit and counts containers that could take everything', () => {
    const b = memoryBudget([16 * GiB, 12 * GiB, 8 * GiB, null, null], 32 * GiB);
    expect(b.overcommitted).toBe(true);
    expect(b.unlimited).toBe(2);
    expect(b.percent).toBeCloseTo(112.5, 6);
    expect(memoryBudget([], 0)).toEqual({ hostTotal: 0, limitsTotal: 0, unlimited: 0, percent: 0, overcommitted: false });
  });
});
