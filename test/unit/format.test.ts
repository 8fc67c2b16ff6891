import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesOfLimit } from '../../src/render/bytes.js';
import { formatCores } from '../../src/render/cores.js';
import { formatAgo, formatDuration, formatDurationCoarse } from '../../src/render/duration.js';
import { formatPercent } from '../../src/render/percent.js';

const KiB = 1024;
const MiB = KiB ** 2;
const GiB = KiB ** 3;

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [412 * MiB, '412.0 MiB'],
    [1023.96 * KiB, '1.0 MiB'],
    [256 * MiB, '256.0 MiB'],
    [26 * GiB, '26.0 GiB'],
    [33_369_575_424, '31.1 GiB'],
    [2.5 * KiB ** 4, '2.5 TiB'],
    [-1536, '-1.5 KiB'],
  ])('%d → %s', (n, s) => {
    expect(formatBytes(n)).toBe(s);
  });

  it('shows unknown as a dash and pairs with limits', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
    expect(formatBytesOfLimit(412 * MiB, GiB)).toBe('412.0 MiB / 1.0 GiB');
    expect(formatBytesOfLimit(412 * MiB, null)).toBe('412.0 MiB / no limit');
  });
});

describe('durations', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  it.each([
    [0, '0s'],
    [999, '0s'],
    [45 * s, '45s'],
    [59.9 * s, '59s'],
    [12 * m + 30 * s, '12m'],
    [2 * h + 5 * m, '2h 5m'],
    [3 * h, '3h'],
    [3 * d + 4 * h + 59 * m, '3d 4h'],
    [400 * d, '400d'],
    [-5 * s, '0s'],
  ])('%d ms → %s', (ms, out) => {
    expect(formatDuration(ms)).toBe(out);
  });

  it('coarse and relative forms', () => {
    expect(formatDurationCoarse(3 * d + 4 * h)).toBe('3d');
    const now = Date.parse('2024-03-04T10:00:00Z');
    expect(formatAgo(now - 5 * m, now)).toBe('5m ago');
    expect(formatAgo(now - 45 * s, now)).toBe('45s ago');
    expect(formatAgo(now - 26 * h, now)).toBe('1d ago');
    expect(formatAgo(now - 200, now)).toBe('just now');
    // Server clock a little ahead.
    expect(formatAgo(now + 3 * s, now)).toBe('just now');
    expect(formatAgo(null, now)).toBe('—');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('percent and cores', () => {
  it.each([
    [0, '0.0%'],
    [0.34, '0.3%'],
    [4.56, '4.6%'],
    [9.96, '10%'],
    [42.5, '43%'],
    [600, '600%'],
  ])('%d → %s', (p, out) => {
    expect(formatPercent(p)).toBe(out);
  });

  it('unknown percent is a dash', () => {
    expect(formatPercent(null)).toBe('—');
  });

  it('cores', () => {
    expect(formatCores(1)).toBe('1 core');
    expect(formatCores(1.5)).toBe('1.5 cores');
    expect(formatCores(0.25)).toBe('0.25 cores');
    expect(formatCores(2)).toBe('2 cores');
    expect(formatCores(1 / 3)).toBe('0.33 cores');
    expect(formatCores(0.5, { short: true })).toBe('0.5c');
    expect(formatCores(null)).toBe('no limit');
  });
});
