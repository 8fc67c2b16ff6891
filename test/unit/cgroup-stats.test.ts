import { describe, it, expect } from 'vitest';
import { cgroupStatsArgv, parseCgroupOutput, cgroupCpuPercent, cgroupMemoryUsed, CGROUP_SCRIPT } from '../../src/docker/cgroup-stats.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

// What the script prints on a cgroup v2 host (usage in µs) and on a v1 host (ns), two reads 1 s apart.
const V2 = `S 1000 0 500 8000 0 0 0 0 0 0
N 4
I ${A}
U2 2000000
M 104857600
F 4194304
I ${B}
---
S 1100 0 500 8300 0 0 0 0 0 0
N 4
I ${A}
U2 2500000
M 110100480
F 4194304
I ${B}
`;

describe('cgroup stats', () => {
  it('parses v2 readings, and reports containers it could not find as missing', () => {
    const [a, b] = parseCgroupOutput(V2);
    expect(a!.onlineCpus).toBe(4);
    expect(a!.systemNs).toBe(9500 * 1e7);
    expect(a!.containers.get(A)).toEqual({ cpuNs: 2e9, memUsage: 104857600, inactiveFile: 4194304 });
    expect(b!.containers.has(B)).toBe(false);
  });

  it('computes CPU % as docker stats does: 100 = one core', () => {
    const [a, b] = parseCgroupOutput(V2);
    // 0.5 s of CPU over 4 s of host CPU time (1 s on 4 cores) = half a core.
    expect(cgroupCpuPercent(a!, a!.containers.get(A)!, b!, b!.containers.get(A)!)).toBeCloseTo(50, 5);
  });

  it('parses v1 readings in nanoseconds and uses total_inactive_file', () => {
    const [s] = parseCgroupOutput(`S 1 2 3 4 5 6 7 8\nN 2\nI ${A}\nU1 123456789\nM 5000\nF 1000\n`);
    expect(s!.containers.get(A)).toEqual({ cpuNs: 123456789, memUsage: 5000, inactiveFile: 1000 });
    expect(cgroupMemoryUsed(s!.containers.get(A)!)).toBe(4000);
  });

  it('returns null instead of a nonsense figure when counters go backwards', () => {
    const [a, b] = parseCgroupOutput(V2);
    expect(cgroupCpuPercent(b!, b!.containers.get(A)!, a!, a!.containers.get(A)!)).toBeNull();
  });

  it('ignores garbage and ids that are not container ids', () => {
    const out = parseCgroupOutput(`S 1 1 1 1\nI ../../etc\nU2 5\nM x\nrandom\n\u001b]0;x\u0007\n`);
    expect(out).toHaveLength(1);
    expect(out[0]!.containers.size).toBe(0);
  });

  it('passes ids as argv and refuses anything that is not a full id', () => {
    const argv = cgroupStatsArgv([A, B], 0.25);
    expect(argv.slice(0, 3)).toEqual(['sh', '-c', CGROUP_SCRIPT]);
    expect(argv.slice(3)).toEqual(['opsdeck-stats', '0.250', A, B]);
    expect(() => cgroupStatsArgv(['x; rm -rf ~'], 0)).toThrow(/not a full container id/);
  });
});
