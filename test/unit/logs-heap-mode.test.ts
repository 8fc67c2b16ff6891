import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { favourMemoryWhileFollowing } from '../../src/logs/heap-mode.js';

describe('favourMemoryWhileFollowing', () => {
  afterEach(() => vi.restoreAllMocks());

  it('turns --optimize-for-size on with the first view and off after the last, once each', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString');
    const a = favourMemoryWhileFollowing();
    const b = favourMemoryWhileFollowing();
    expect(set.mock.calls).toEqual([['--optimize-for-size']]);
    a();
    a();
    expect(set.mock.calls).toEqual([['--optimize-for-size']]);
    b();
    expect(set.mock.calls).toEqual([['--optimize-for-size'], ['--no-optimize-for-size']]);
  });
});
