import { describe, it, expect } from 'vitest';
import { parseHostProbe } from '../../src/docker/host-facts.js';

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
