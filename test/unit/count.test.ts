import { describe, expect, it } from 'vitest';
import { formatCount } from '../../src/render/count.js';

describe('formatCount', () => {
  it('groups digits in threes, like en-US', () => {
    for (const n of [0, 7, 999, 1000, 10_000, 123_456, 1_000_000, 9_876_543_210, -1234, -999]) {
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
    }
  });

  it('drops fractions and leaves non-numbers readable', () => {
    expect(formatCount(1234.9)).toBe('1,234');
    expect(formatCount(Number.NaN)).toBe('NaN');
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});
