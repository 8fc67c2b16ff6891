import { describe, expect, it } from 'vitest';
import { DockerEventSchema, type DockerEvent } from '../../src/docker/schemas.js';
import { eventTime, RestartLoopDetector, restartLoopStatus } from '../../src/model/restart-loop.js';
import { fixture } from './fixtures/load.js';

const MIN = 60_000;
const T0 = Date.parse('2024-03-04T09:55:00Z');

describe('restartLoopStatus (pure)', () => {
  it('exactly three exits within five minutes is a loop', () => {
    expect(restartLoopStatus([T0, T0 + 2.5 * MIN, T0 + 5 * MIN], T0 + 5 * MIN)).toEqual({ looping: true, exitsInWindow: 3, lastExitAt: T0 + 5 * MIN });
  });

  it('three exits spread over six minutes is not', () => {
    expect(restartLoopStatus([T0, T0 + 3 * MIN, T0 + 6 * MIN], T0 + 6 * MIN)).toEqual({ looping: false, exitsInWindow: 2, lastExitAt: T0 + 6 * MIN });
  });

  it('two exits are not a loop, and a loop ends once its exits age out', () => {
    expect(restartLoopStatus([T0, T0 + 1000], T0 + 2000).looping).toBe(false);
    const exits = [T0, T0 + MIN, T0 + 2 * MIN];
    expect(restartLoopStatus(exits, T0 + 4 * MIN).looping).toBe(true);
    expect(restartLoopStatus(exits, T0 + 5 * MIN).looping).toBe(true);
    expect(restartLoopStatus(exits, T0 + 5 * MIN + 1).looping).toBe(false);
  });

  it('takes the order of exits as it comes and the threshold and window as options', () => {
    expect(restartLoopStatus([T0 + 2000, T0, T0 + 1000], T0 + 3000).lastExitAt).toBe(T0 + 2000);
    expect(restartLoopStatus([T0, T0 + 1000], T0 + 2000, { threshold: 2 }).looping).toBe(true);
    expect(restartLoopStatus([T0, T0 + MIN, T0 + 2 * MIN], T0 + 2 * MIN, { windowMs: 90_000 }).looping).toBe(false);
    expect(restartLoopStatus([], T0)).toEqual({ looping: false, exitsInWindow: 0, lastExitAt: null });
  });
});

const WORKER_ID = 'c3e1a6b9d4f0257a8c1e3b6d9f4a0257e8b1d4a6c9f2e5b8d1a4c7f0b3e6d9a2';
const loopEvents = (): DockerEvent[] => (fixture('events-worker-loop.json') as unknown[]).map((e) => DockerEventSchema.parse(e));

function event(action: string, id: string, t: number, attrs: Record<string, string> = {}): DockerEvent {
  return DockerEventSchema.parse({
    Type: 'container',
    Action: action,
    Actor: { ID: id, Attributes: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api', name: `shop-api-${id}`, ...attrs } },
    time: Math.floor(t / 1000),
    timeNano: t * 1e6,
  });
}

describe('RestartLoopDetector', () => {
  it('spots the crash-looping worker in a real event sequence', () => {
    let now = Date.parse('2024-03-04T10:00:00Z');
    const d = new RestartLoopDetector({ now: () => now });
    const counted = loopEvents().map((e) => d.observe(e));
    expect(counted).toEqual([true, false, true, false, false, true]);
    expect(d.status('compose:shop/worker')).toMatchObject({ looping: true, exitsInWindow: 3 });
    expect(d.status(RestartLoopDetector.containerKey(WORKER_ID)).looping).toBe(true);
    expect(d.status('compose:shop/db').exitsInWindow).toBe(0);
    now += 2000;
    expect(d.status('compose:shop/worker')).toMatchObject({ looping: false, exitsInWindow: 2 });
  });

  it('prefers timeNano and falls back to time', () => {
    expect(eventTime(DockerEventSchema.parse({ Type: 'container', Action: 'die', time: 1_709_546_100, timeNano: 1_709_546_100_250_000_000 }))).toBeCloseTo(1_709_546_100_250, 0);
    expect(eventTime(DockerEventSchema.parse({ Type: 'container', Action: 'die', time: 1_709_546_100 }))).toBe(1_709_546_100_000);
    expect(eventTime(DockerEventSchema.parse({ Type: 'container', Action: 'die' }))).toBeNull();
  });

  it('does not count exits an operator asked for (docker stop / restart)', () => {
    const d = new RestartLoopDetector({ now: () => T0 + 3 * MIN });
    for (let i = 0; i < 3; i++) {
      const t = T0 + i * MIN;
      d.observe(event('kill', 'a1', t, { signal: '15' }));
      expect(d.observe(event('die', 'a1', t + 10_000, { exitCode: '143' }))).toBe(false);
      d.observe(event('stop', 'a1', t + 10_001));
      d.observe(event('start', 'a1', t + 11_000));
    }
    expect(d.status('compose:shop/api').exitsInWindow).toBe(0);
  });

  it('still counts a crash after a reload signal (HUP is not a stop)', () => {
    const d = new RestartLoopDetector({ now: () => T0 + MIN });
    d.observe(event('kill', 'a1', T0, { signal: '1' }));
    expect(d.observe(event('die', 'a1', T0 + 5_000, { exitCode: '1' }))).toBe(true);
  });

  it('a stop intent covers only the next exit', () => {
    const d = new RestartLoopDetector({ now: () => T0 + MIN });
    d.observe(event('kill', 'a1', T0, { signal: '9' }));
    expect(d.observe(event('die', 'a1', T0 + 100, { exitCode: '137' }))).toBe(false);
    expect(d.observe(event('die', 'a1', T0 + 30_000, { exitCode: '1' }))).toBe(true);
  });

  it('keeps a service\'s history across recreated containers', () => {
    const d = new RestartLoopDetector({ now: () => T0 + 2 * MIN });
    d.observe(event('die', 'old', T0, { exitCode: '1' }));
    d.observe(event('die', 'old', T0 + 30_000, { exitCode: '1' }));
    d.observe(event('destroy', 'old', T0 + 40_000));
    d.observe(event('die', 'new', T0 + 90_000, { exitCode: '1' }));
    expect(d.status('compose:shop/api')).toMatchObject({ looping: true, exitsInWindow: 3 });
    expect(d.status(RestartLoopDetector.containerKey('old')).exitsInWindow).toBe(0);
    expect(d.status(RestartLoopDetector.containerKey('new')).exitsInWindow).toBe(1);
  });

  it('ignores one-offs, other event types and other actions', () => {
    const d = new RestartLoopDetector({ now: () => T0 + MIN });
    for (let i = 0; i < 5; i++) expect(d.observe(event('die', 'run1', T0 + i, { 'com.docker.compose.oneoff': 'True' }))).toBe(false);
    expect(d.observe(DockerEventSchema.parse({ Type: 'network', Action: 'die', Actor: { ID: 'n1' }, time: T0 / 1000 }))).toBe(false);
    expect(d.observe(event('exec_die', 'a1', T0))).toBe(false);
    expect(d.observe(event('health_status: unhealthy', 'a1', T0))).toBe(false);
    expect(d.snapshot().size).toBe(0);
  });

  it('keys containers outside Compose by name', () => {
    const d = new RestartLoopDetector({ now: () => T0 + MIN });
    d.observe(DockerEventSchema.parse({ Type: 'container', Action: 'die', Actor: { ID: 'p1', Attributes: { name: 'portainer', exitCode: '2' } }, time: T0 / 1000 }));
    expect(d.status('other:portainer').exitsInWindow).toBe(1);
  });

  it('snapshots what the grid needs and prunes what it no longer does', () => {
    let now = T0 + MIN;
    const d = new RestartLoopDetector({ now: () => now });
    d.observe(event('die', 'a1', T0, { exitCode: '1' }));
    expect([...d.snapshot().keys()].sort()).toEqual(['compose:shop/api', 'container:a1']);
    now = T0 + 10 * MIN;
    expect(d.snapshot().size).toBe(0);
    d.prune();
    expect(d.status('compose:shop/api').lastExitAt).toBeNull();
  });
});
