import { describe, expect, it } from 'vitest';
import { fieldValue, parseJsonFields } from '../../src/logs/json-fields.js';
import { compileFilter, parseFilter, splitTerms } from '../../src/logs/log-filter.js';
import { structuredParts, structuredText, shortFieldTime } from '../../src/logs/log-format.js';
import { detectTextLevel, normaliseLevel } from '../../src/logs/log-level.js';
import { toLogLine, noticeLine, type LogLine } from '../../src/logs/log-line.js';

const TS = '2026-11-22T18:44:09.378869414Z';
const line = (text: string, stream: 'stdout' | 'stderr' = 'stdout'): LogLine => toLogLine({ stream, ts: TS, text, bytes: text.length, cut: false }, 0);

// The lab's API replicas write exactly this shape (test/lab/images/busybox/lab/api-logs.sh).
const api = (level: string, event: string, rid: string, msg: string) =>
  JSON.stringify({ time: '2026-11-22T18:44:09Z', level, event, request_id: rid, instance: 'shop-api-1', msg });

describe('JSON detection', () => {
  it('recognises object lines and flattens nested fields', () => {
    const j = parseJsonFields('{"level":"info","ts":1732300384.123,"logger":"http.log.access","request":{"method":"GET","uri":"/api"},"status":200,"tags":["a","b"],"ok":true,"none":null}');
    expect(j).not.toBeNull();
    expect(j!.fields).toEqual([
      ['level', 'info'],
      ['ts', '1732300384.123'],
      ['logger', 'http.log.access'],
      ['request.method', 'GET'],
      ['request.uri', '/api'],
      ['status', '200'],
      ['tags', '["a","b"]'],
      ['ok', 'true'],
      ['none', 'null'],
    ]);
    expect(j!.levelValue).toBe('info');
    expect(fieldValue(j, 'request.uri')).toBe('/api');
  });

  it('leaves everything else alone: text, arrays, broken JSON, JSON with trailing text', () => {
    for (const t of ['plain text', '[1,2,3]', '{"a":1', '{"a":1} trailing', '', '{not json}', '"string"', '42']) expect(parseJsonFields(t), t).toBeNull();
  });

  it('knows the roles of the usual fields and the request id under its many names', () => {
    const j = parseJsonFields(api('error', 'stripe.webhook', 'abc-123', 'signature verification failed'))!;
    const p = structuredParts(j)!;
    expect(p).toMatchObject({ time: '18:44:09', level: 'error', event: 'stripe.webhook', message: 'signature verification failed' });
    expect(p.rest).toEqual([
      ['request_id', 'abc-123'],
      ['instance', 'shop-api-1'],
    ]);
    expect(structuredText(p)).toBe('18:44:09 ERROR stripe.webhook signature verification failed request_id=abc-123 instance=shop-api-1');
    for (const key of ['requestId', 'req_id', 'trace_id', 'x-request-id', 'correlationId']) {
      const jj = parseJsonFields(JSON.stringify({ msg: 'x', [key]: 'r1' }))!;
      expect(jj.fields[jj.requestId]?.[0], key).toBe(key);
    }
  });

  it('keeps a field called __proto__ as a field', () => {
    const j = parseJsonFields('{"__proto__":{"polluted":"yes"},"msg":"hi"}')!;
    expect(fieldValue(j, '__proto__.polluted')).toBe('yes');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('quotes values with spaces in the structured form', () => {
    const p = structuredParts(parseJsonFields('{"msg":"m","path":"/a b","empty":""}'))!;
    expect(structuredText(p)).toBe('m path="/a b" empty=""');
  });

  it('shortens field times: ISO, epoch seconds, epoch milliseconds', () => {
    expect(shortFieldTime('2026-11-22T18:44:09.123456Z')).toBe('18:44:09.123');
    expect(shortFieldTime('1732300384.5')).toBe('18:33:04.500');
    expect(shortFieldTime('1732300384500')).toBe('18:33:04.500');
  });
});

describe('levels', () => {
  it('normalises JSON level values, pino numbers included', () => {
    expect(['WARNING', 'warn', 'Err', 'critical', 'notice', 'dbg'].map(normaliseLevel)).toEqual(['warn', 'warn', 'error', 'fatal', 'info', 'debug']);
    expect([10, 20, 30, 40, 50, 60, 5].map(normaliseLevel)).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal', null]);
    expect(normaliseLevel('banana')).toBeNull();
  });

  it('finds the level of plain-text lines without mistaking words in the message', () => {
    expect(detectTextLevel('2026-11-22T18:44:09Z ERROR worker: job failed')).toBe('error');
    expect(detectTextLevel('2026-11-22 18:44:09.123 UTC [1] FATAL:  password authentication failed')).toBe('fatal');
    expect(detectTextLevel('2026/11/22 18:44:09 [warn] 7#7: upstream timed out')).toBe('warn');
    expect(detectTextLevel('time=2026-11-22 level=error msg="boom"')).toBe('error');
    expect(detectTextLevel('processed 3 jobs, 0 errors')).toBeNull();
    expect(detectTextLevel('GET /api 200')).toBeNull();
  });
});

describe('the filter language', () => {
  const lines = [
    line(api('info', 'http.request', 'r-1', 'GET /api/products 200 12ms')),
    line(api('error', 'stripe.webhook', 'r-2', 'signature verification failed')),
    line(api('info', 'stripe.webhook', 'r-3', 'processed invoice.paid')),
    line(api('warn', 'http.request', 'r-2', 'slow request GET /api/cart took 1500ms')),
    line('2026-11-22T18:44:09Z INFO worker: healthcheck ok'),
    line('2026-11-22T18:44:09Z ERROR worker: job 42 failed', 'stderr'),
  ];
  const pick = (text: string, minLevel: Parameters<typeof compileFilter>[0]['minLevel'] = null) => {
    const { predicate, error } = compileFilter({ text, minLevel });
    expect(error).toBeNull();
    return lines.map((l, i) => (predicate === null || predicate(l) ? i : -1)).filter((i) => i >= 0);
  };

  it('splits terms on spaces, keeping quoted ones whole', () => {
    expect(splitTerms('a "b c" !d "say \\"hi\\""')).toEqual(['a', 'b c', '!d', 'say "hi"']);
  });

  it('answers the seed on-call queries: all errors, one request, stripe webhook events', () => {
    expect(pick('', 'error')).toEqual([1, 5]);
    expect(pick('level=error')).toEqual([1, 5]);
    expect(pick('request_id=r-2')).toEqual([1, 3]);
    expect(pick('event=~^stripe')).toEqual([1, 2]);
  });

  it('includes by regex (smart case) and excludes with !', () => {
    expect(pick('get')).toEqual([0, 3]);
    expect(pick('GET')).toEqual([0, 3]);
    expect(pick('Get')).toEqual([]);
    expect(pick('!healthcheck !stripe')).toEqual([0, 3, 5]);
    expect(pick('"GET /api/cart"')).toEqual([3]);
  });

  it('combines terms: every one must match', () => {
    expect(pick('request_id=r-2 level>=warn !stripe')).toEqual([3]);
    expect(pick('event!=http.request', 'info')).toEqual([1, 2, 4, 5]);
    expect(pick('event!~^http')).toEqual([1, 2, 4, 5]);
  });

  it('lets a leading ~ search for text with = in it', () => {
    expect(pick('~request_id')).toEqual([0, 1, 2, 3]);
  });

  it('reports bad input as one message instead of throwing', () => {
    expect(parseFilter('foo(').error).toMatch(/^bad regular expression 'foo\(':/);
    expect(parseFilter('level=loud').error).toMatch(/unknown level 'loud'/);
    expect(parseFilter('status>=500').error).toMatch(/level only/);
  });

  it('always lets opsdeck notices through', () => {
    const { predicate } = compileFilter({ text: 'nothing-matches-this', minLevel: 'fatal' });
    expect(predicate!(noticeLine('reconnected'))).toBe(true);
  });
});
