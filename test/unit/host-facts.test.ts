import { describe, it, expect } from 'vitest';
import type Dockerode from 'dockerode';
import { parseHostProbe, readHostFacts, type HostFacts } from '../../src/docker/host-facts.js';

describe('host probe', () => {
  it('reads uptime, load and the data root disk use', () => {
    const out = `12345.67 2345.00
0.52 0.41 0.30 1/123 4567
Filesystem     1024-blocks     Used Available Capacity Mounted on
/dev/sda1        163840000 40960000 114688000      27% /
`;
    expect(parseHostProbe(out)).toEqual({
      uptimeSec: 12345.67,
      load: [0.52, 0.41, 0.3],
      disk: { totalBytes: 163840000 * 1024, usedBytes: 40960000 * 1024, percent: (40960000 / (40960000 + 114688000)) * 100 },
    });
  });

  it('gives nulls for missing or garbled parts instead of throwing', () => {
    expect(parseHostProbe('')).toEqual({ uptimeSec: null, load: null, disk: null });
    expect(parseHostProbe('x\ny z\nno df here')).toEqual({ uptimeSec: null, load: null, disk: null });
  });
});

describe('host facts refresh', () => {
  it('reads only uptime, load and disk again when the engine facts are known', async () => {
    const known: HostFacts = {
      name: 'web-1',
      engineVersion: '27.3.1',
      apiVersion: '1.47',
      os: 'Debian GNU/Linux 12',
      cpus: 8,
      memTotal: 32 * 2 ** 30,
      dockerRootDir: '/var/lib/docker',
      clockSkewMs: 120,
      uptimeSec: 10,
      load: [1, 1, 1],
      disk: null,
    };
    const docker = {
      info: () => Promise.reject(new Error('the API must not be asked')),
      version: () => Promise.reject(new Error('the API must not be asked')),
    } as unknown as Dockerode;
    const argv: (readonly string[])[] = [];
    const facts = await readHostFacts(docker, async (a) => {
      argv.push(a);
      return { code: 0, stdout: '500.5 100.0\n0.10 0.20 0.30 1/100 42\n', stderr: '' };
    }, known);
    expect(facts).toEqual({ ...known, uptimeSec: 500.5, load: [0.1, 0.2, 0.3], disk: null });
    expect(argv).toHaveLength(1);
    expect(argv[0]!.at(-1)).toBe('/var/lib/docker');
  });
});
