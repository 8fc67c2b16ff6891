import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { quoteArg, shellCommand, shellPipeline, UnquotableArgumentError } from '../../src/transport/shell-quote.js';

// The real test of a quoting function is a real shell: each argv must come back unchanged.
function roundTrip(argv: string[]): string[] {
  const script = `${shellCommand(['printf', '%s\\0', ...argv])}`;
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shell quoting', () => {
  it('leaves plain words unquoted', () => {
    expect(shellCommand(['docker', 'restart', 'shop-api-1'])).toBe('docker restart shop-api-1');
  });

  it('quotes anything a shell would interpret', () => {
    expect(quoteArg('x; rm -rf ~')).toBe(`'x; rm -rf ~'`);
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg('')).toBe(`''`);
  });

  it('round-trips hostile arguments through /bin/sh unchanged', () => {
    const hostile = ['x; rm -rf ~', '$(id)', '`id`', "a'b\"c", 'new\nline', '*', '~', '-n', '${HOME}', '\\', ' lead', 'tab\there', 'ünï ✓', '!', '#c', '&&', '|'];
    expect(roundTrip(hostile)).toEqual(hostile);
  });

  it('refuses NUL bytes, which no shell word can hold', () => {
    expect(() => quoteArg('a\0b')).toThrow(UnquotableArgumentError);
  });

  it('joins pipeline stages, each quoted on its own', () => {
    expect(shellPipeline([['pg_dump', 'my db'], ['gzip']])).toBe(`pg_dump 'my db' | gzip`);
  });
});
