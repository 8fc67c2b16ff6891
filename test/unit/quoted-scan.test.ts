import { describe, expect, it } from 'vitest';
import { scanQuoted } from '../../src/text/quoted-scan.js';

describe('scanQuoted: the one scanner for quoted words', () => {
  it('splits on separators outside quotes and unquotes, with \\" as a quote', () => {
    expect(scanQuoted('a "b c" "f\\"g"', { separators: ' ' }).tokens).toEqual(['a', 'b c', 'f"g']);
  });
  it('stops at a stop character outside quotes and says where', () => {
    const s = scanQuoted('from="a b",no-pty ssh-ed25519 AAAA', { separators: ',', stopAt: ' \t', quoteOpens: (t) => t.includes('=') });
    expect(s.tokens).toEqual(['from=a b', 'no-pty']);
    expect(s.end).toBe('from="a b",no-pty'.length);
    expect(s.unterminated).toBe(false);
  });
  it('leaves a quote literal where the rules say no quote opens', () => {
    expect(scanQuoted('co"mmand=x', { separators: ',', quoteOpens: (t) => t.includes('=') }).tokens).toEqual(['co"mmand=x']);
  });
  it('reports text that ends inside quotes', () => {
    expect(scanQuoted('command="echo hi', { separators: ',' }).unterminated).toBe(true);
  });
});
