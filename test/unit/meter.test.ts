import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { meter } from '../../src/render/meter.js';

describe('meter', () => {
  it.each([
    [0, 8, '░░░░░░░░'],
    [50, 8, '████░░░░'],
    [43.75, 8, '███▌░░░░'],
    [100, 8, '████████'],
    [150, 4, '████'],
    [-5, 4, '░░░░'],
    [70, 6, '████▎░'],
  ])('%s percent in %s cells', (p, w, bar) => {
    expect(meter(p, w)).toBe(bar);
  });

  it('is always exactly as wide as asked', () => {
    for (let p = 0; p <= 100; p += 0.7) {
      for (const w of [1, 5, 10]) expect(stringWidth(meter(p, w))).toBe(w);
    }
  });

  it('reads full only at 100 % and shows any use at all', () => {
    expect(meter(99.9, 4)).toBe('███▉');
    expect(meter(0.1, 4)).toBe('▏░░░');
  });

  it('draws an empty track without a limit, nothing at width 0, and ASCII on request', () => {
    expect(meter(null, 5)).toBe('░░░░░');
    expect(meter(50, 0)).toBe('');
    expect(meter(50, 8, { ascii: true })).toBe('####....');
    expect(meter(56.25, 8, { ascii: true })).toBe('####=...');
    expect(meter(null, 3, { ascii: true })).toBe('...');
  });
});
