import { describe, expect, it } from 'vitest';
import { containerSummaries, containerSummary, resolveTargets, type ContainerSummary } from '../../src/logs/log-targets.js';
import { logsRequest } from '../../src/cli/commands/logs.js';
import { UserError } from '../../src/errors.js';

const compose = (name: string, project: string, service: string, n: number, extra: Record<string, string> = {}) =>
  containerSummary({
    Id: `${name.replace(/[^a-z0-9]/g, '')}${'0'.repeat(64)}`.slice(0, 64),
    Names: [`/${name}`],
    State: 'running',
    Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': service, 'com.docker.compose.container-number': String(n), ...extra },
  });

const list: ContainerSummary[] = [
  compose('shop-api-2', 'shop', 'api', 2),
  compose('shop-api-1', 'shop', 'api', 1),
  compose('shop-api-run-6df21fb7de8d', 'shop', 'api', 1, { 'com.docker.compose.oneoff': 'True' }),
  compose('shop-worker-1', 'shop', 'worker', 1),
  compose('blog-worker-1', 'blog', 'worker', 1),
  containerSummary({ Id: 'abcdef0123456789'.padEnd(64, '0'), Names: ['/hostile-tty'], State: 'running', Labels: {} }),
  containerSummary({ Id: 'abc999'.padEnd(64, '1'), Names: ['/evil\u001b]0;pwn\u0007name'], State: 'running', Labels: {} }),
];

const resolve = (...words: string[]) => {
  const r = resolveTargets(words, list);
  return r.ok ? r.targets.map((t) => `${t.tag}=${t.name}`) : `error: ${r.error}${r.hint ? ` / ${r.hint}` : ''}`;
};

describe('naming what to show', () => {
  it('a service means its replicas in order, not its one-off runs', () => {
    expect(resolve('api')).toEqual(['api-1=shop-api-1', 'api-2=shop-api-2']);
  });

  it('a replica, a container name, an ID prefix', () => {
    expect(resolve('api-2')).toEqual(['api-2=shop-api-2']);
    expect(resolve('shop-api-run-6df21fb7de8d')).toEqual(['shop-api-run-6df21fb7de8d=shop-api-run-6df21fb7de8d']);
    expect(resolve('hostile-tty')).toEqual(['hostile-tty=hostile-tty']);
    expect(resolve('abcdef01')).toEqual(['hostile-tty=hostile-tty']);
  });

  it('several words merge, without duplicates', () => {
    expect(resolve('api', 'api-1', 'shop/worker')).toEqual(['api-1=shop-api-1', 'api-2=shop-api-2', 'worker-1=shop-worker-1']);
  });

  it('a service in two projects must be named with its project; equal tags fall back to names', () => {
    expect(resolve('worker')).toBe("error: 'worker' is a service in several projects (blog, shop) / Name one, e.g. 'blog/worker'.");
    expect(resolve('shop/worker', 'blog/worker')).toEqual(['shop-worker-1=shop-worker-1', 'blog-worker-1=blog-worker-1']);
  });

  it('an unknown word is one clear error with the services as a hint; an ambiguous ID prefix too', () => {
    expect(resolve('nope')).toBe("error: no container or service named 'nope' / Services: api, worker");
    expect(resolve('abc')).toMatch(/^error: no container or service named 'abc'/);
    expect(resolve('abcd')).toEqual(['hostile-tty=hostile-tty']);
    expect(resolve('abc9')).toEqual(['evilname=evilname']);
  });

  it('container names from the server are sanitised', () => {
    const t = resolveTargets(['abc999'], list);
    expect(t.ok && t.targets[0]!.name).toBe('evilname');
  });
});

describe("Docker's container list, as untrusted JSON", () => {
  it('reads what it needs and treats odd optional fields as absent', () => {
    const got = containerSummaries([
      { Id: 'a'.repeat(64), Names: ['/shop-api-1'], State: 'running', Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api', 'com.docker.compose.container-number': '1' } },
      { Id: 'b'.repeat(64), Names: 'not a list', State: 7, Labels: { 'com.docker.compose.service': 42, x: 'y' } },
      { Id: 'c'.repeat(64), Names: [3, '/named\u001b[2Jlater'], Labels: ['no'] },
    ]);
    expect(got.map((c) => [c.name, c.state, c.service])).toEqual([
      ['shop-api-1', 'running', 'api'],
      ['bbbbbbbbbbbb', '', null],
      ['namedlater', '', null],
    ]);
  });

  it('refuses an answer that is not a list, or an entry without an ID, in one line', () => {
    expect(() => containerSummaries({ message: 'hi' })).toThrow('malformed response from Docker: the container list is not a list');
    expect(() => containerSummaries([{ Names: ['/x'] }])).toThrow('malformed response from Docker: a container without an ID');
    expect(() => containerSummaries([null])).toThrow('a container without an ID');
  });
});

describe('logs flags', () => {
  const now = Date.parse('2026-11-22T18:00:00Z');
  it('build a request', () => {
    expect(logsRequest({ follow: true, tail: '100', since: '10m', level: 'ERR', grep: ['timeout', '!health'], field: ['request_id=abc-123'] }, ['api'], now)).toEqual({
      words: ['api'],
      follow: true,
      tail: 100,
      since: `${Date.parse('2026-11-22T17:50:00Z') / 1000}.000000000`,
      minLevel: 'error',
      filter: '~timeout !~health request_id=abc-123',
    });
    expect(logsRequest({ tail: 'all' }, ['api'], now)).toEqual({ words: ['api'], follow: false });
    expect(logsRequest({ grep: ['a=b c'] }, ['api'], now).filter).toBe('"~a=b c"');
  });

  it('reject bad values with one line naming the flag', () => {
    const bad: [Parameters<typeof logsRequest>[0], RegExp][] = [
      [{ since: 'yesterday' }, /--since must be a duration/],
      [{ tail: '-5' }, /--tail must be a whole number/],
      [{ level: 'loud' }, /--level must be one of trace, debug, info, warn, error, fatal/],
      [{ grep: ['(unclosed'] }, /--grep: bad regular expression/],
      [{ field: ['justtext'] }, /--field wants KEY=VALUE/],
      [{ buffer: '5' }, /--buffer must be between 100 and 1000000/],
    ];
    for (const [values, re] of bad) {
      expect(() => logsRequest(values, ['api'], now)).toThrow(UserError);
      expect(() => logsRequest(values, ['api'], now)).toThrow(re);
    }
    expect(() => logsRequest({}, [], now)).toThrow(/name at least one service or container/);
  });
});
