import { describe, expect, it } from 'vitest';
import { normaliseTimestamp, parseSince, sinceFromTimestamp, timestampMs, timestampPrefixLength } from '../../src/logs/docker-timestamp.js';

const b = (s: string) => Buffer.from(s);

describe("Docker's timestamps", () => {
  it('finds the prefix Docker writes, and nothing else', () => {
    expect(timestampPrefixLength(b('2026-11-22T18:32:57.984103314Z hello'), 0)).toBe(31);
    expect(timestampPrefixLength(b('2026-11-22T18:32:57Z x'), 0)).toBe(21);
    expect(timestampPrefixLength(b('2026-11-22T18:32:57.5+01:00 x'), 0)).toBe(28);
    expect(timestampPrefixLength(b('2026-11-22T18:32:57.984103314Z'), 0)).toBe(0);
    expect(timestampPrefixLength(b('2026-11-22 18:32:57Z x'), 0)).toBe(0);
    expect(timestampPrefixLength(b('hello world, this is not a time'), 0)).toBe(0);
  });

  it('reads nothing at or past end: a message inside a larger buffer', () => {
    // What follows the message (the next frame) would complete the prefix if it were read.
    const two = b('xx2026-11-22T18:32:57.984103314Z hello');
    expect(timestampPrefixLength(two, 2, 32)).toBe(0);
    expect(timestampPrefixLength(two, 2, 33)).toBe(31);
    expect(timestampPrefixLength(b('2026-11-22T18:32:57.5+01:00 x'), 0, 25)).toBe(0);
    expect(timestampPrefixLength(b('2026-11-22T18:32:57Z x'), 0, 20)).toBe(0);
  });

  it('normalises to a fixed-width UTC form so string order is time order', () => {
    expect(normaliseTimestamp('2026-11-22T18:32:57.984103314Z')).toBe('2026-11-22T18:32:57.984103314Z');
    expect(normaliseTimestamp('2026-11-22T18:32:57.5Z')).toBe('2026-11-22T18:32:57.500000000Z');
    expect(normaliseTimestamp('2026-11-22T19:32:57.5+01:00')).toBe('2026-11-22T18:32:57.500000000Z');
    expect(normaliseTimestamp('garbage')).toBe('');
    const a = normaliseTimestamp('2026-11-22T18:32:57.9Z');
    const c = normaliseTimestamp('2026-11-22T18:32:57.10Z');
    expect(c < a).toBe(true);
  });

  it('turns a timestamp into the inclusive since= value without losing nanoseconds', () => {
    const ts = '2026-11-22T18:32:57.984103314Z';
    expect(sinceFromTimestamp(ts)).toBe(`${Date.parse('2026-11-22T18:32:57Z') / 1000}.984103314`);
    expect(timestampMs(ts)).toBe(Date.parse('2026-11-22T18:32:57.984Z'));
  });
});

describe('--since', () => {
  const now = Date.parse('2026-11-22T18:00:00Z');
  const sec = (iso: string) => `${Date.parse(iso) / 1000}.000000000`;
  it('reads durations back from now', () => {
    expect(parseSince('10m', now)).toBe(sec('2026-11-22T17:50:00Z'));
    expect(parseSince('1h30m', now)).toBe(sec('2026-11-22T16:30:00Z'));
    expect(parseSince('2d', now)).toBe(sec('2026-11-20T18:00:00Z'));
    expect(parseSince('45s', now)).toBe(sec('2026-11-22T17:59:15Z'));
  });
  it('reads dates, date-times and Unix seconds', () => {
    expect(parseSince('2026-11-22', now)).toBe(sec('2026-11-22T00:00:00Z'));
    expect(parseSince('2026-11-22T17:00:00Z', now)).toBe(sec('2026-11-22T17:00:00Z'));
    expect(parseSince('1732300384.5', now)).toBe('1732300384.500000000');
  });
  it('says null to anything else', () => {
    for (const s of ['', 'yesterday', '10', '10x', '-5m', '2026-13-45', 'm']) expect(parseSince(s, now), s).toBeNull();
  });
});
