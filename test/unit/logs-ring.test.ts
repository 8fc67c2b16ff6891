import { describe, expect, it } from 'vitest';
import { RingBuffer, SeqIndex } from '../../src/logs/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the newest `capacity` items under stable sequence numbers', () => {
    const r = new RingBuffer<string>(3);
    const evicted: number[] = [];
    for (const s of ['a', 'b', 'c', 'd', 'e']) r.push(s, (seq) => evicted.push(seq));
    expect([r.firstSeq, r.nextSeq, r.size]).toEqual([2, 5, 3]);
    expect([...r.from()]).toEqual(['c', 'd', 'e']);
    expect([r.get(1), r.get(2), r.get(4), r.get(5)]).toEqual([undefined, 'c', 'e', undefined]);
    expect(evicted).toEqual([0, 1]);
    expect([...r.from(3)]).toEqual(['d', 'e']);
  });

  it('evicts early to stay inside a byte budget, but always keeps the newest item', () => {
    const r = new RingBuffer<string>(100, { maxCost: 10, costOf: (s) => s.length });
    r.push('aaaa');
    r.push('bbbb');
    expect(r.size).toBe(2);
    r.push('cccc');
    expect([...r.from()]).toEqual(['bbbb', 'cccc']);
    expect(r.cost).toBe(8);
    r.push('x'.repeat(50));
    expect([...r.from()]).toEqual(['x'.repeat(50)]);
  });

  it('holds a million pushes in constant space', () => {
    const r = new RingBuffer<number>(1000);
    for (let i = 0; i < 1_000_000; i++) r.push(i);
    expect(r.size).toBe(1000);
    expect(r.get(999_000)).toBe(999_000);
    expect(r.get(998_999)).toBeUndefined();
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});

describe('SeqIndex', () => {
  it('appends, drops the oldest, and finds positions by seq', () => {
    const x = new SeqIndex(4);
    for (const s of [2, 5, 7, 9]) x.push(s);
    expect(x.lowerBound(6)).toBe(2);
    expect(x.at(2)).toBe(7);
    x.dropBelow(6);
    expect([x.head, x.tail, x.length]).toEqual([2, 4, 2]);
    expect(x.at(1)).toBeUndefined();
    x.push(11);
    x.push(12);
    expect(x.at(5)).toBe(12);
    expect(x.lowerBound(10)).toBe(4);
    expect(x.lowerBound(100)).toBe(6);
  });

  it('grows if pushed past its capacity', () => {
    const x = new SeqIndex(2);
    for (let i = 0; i < 10; i++) x.push(i * 2);
    expect(x.length).toBe(10);
    expect(x.at(9)).toBe(18);
    expect(x.lowerBound(7)).toBe(4);
  });
});
