/**
 * The restart-loop rule from inspect data alone (RestartCount, State, StartedAt/FinishedAt,
 * Created, restart policy): a loop whose exits dockerd's 256-event memory has already dropped.
 */
import { describe, expect, it } from 'vitest';
import { inspectRestartLoop, mergeRestartLoop, type RestartFacts } from '../../src/model/restart-loop.js';
import { groupContainers } from '../../src/model/grouping.js';
import { serviceCells } from '../../src/render/service-row.js';
import { NOW, view } from './fixtures/load.js';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

// A worker that exits every few seconds under `restart: always`, created an hour ago, now in
// Docker's back-off after its eleventh exit.
const looping: RestartFacts = {
  state: 'restarting',
  restartCount: 11,
  restartPolicy: { name: 'always', maxRetries: 0 },
  createdAt: NOW - HOUR,
  startedAt: NOW - 5 * S,
  finishedAt: NOW - 3 * S,
};
const at = (over: Partial<RestartFacts>) => ({ ...looping, ...over });

describe('inspectRestartLoop (pure)', () => {
  it('restarting by policy after three or more restarts, last exit just now: a loop', () => {
    expect(inspectRestartLoop(looping, NOW)).toEqual({ looping: true, exitsInWindow: 1, lastExitAt: NOW - 3 * S });
    expect(inspectRestartLoop(at({ restartPolicy: { name: 'unless-stopped', maxRetries: 0 } }), NOW)?.looping).toBe(true);
    expect(inspectRestartLoop(at({ restartPolicy: { name: 'on-failure', maxRetries: 20 } }), NOW)?.looping).toBe(true);
  });

  it('running again for less than Docker’s short-run bound (10 s): a loop', () => {
    expect(inspectRestartLoop(at({ state: 'running', finishedAt: NOW - 9 * S, startedAt: NOW - 8 * S }), NOW)?.looping).toBe(true);
    // Up for a minute since the last exit, and 11 restarts in an hour is below the loop rate.
    expect(inspectRestartLoop(at({ state: 'running', finishedAt: NOW - 61 * S, startedAt: NOW - 60 * S }), NOW)).toBeNull();
  });

  it('a life-long rate of three restarts per five minutes is a loop even while running longer', () => {
    // 40 restarts in 20 minutes: 10 per five minutes.
    const fast = at({ state: 'running', restartCount: 40, createdAt: NOW - 20 * MIN, finishedAt: NOW - 61 * S, startedAt: NOW - 60 * S });
    expect(inspectRestartLoop(fast, NOW)?.looping).toBe(true);
    // Created inside the window: every restart is inside it too.
    expect(inspectRestartLoop(at({ state: 'running', restartCount: 3, createdAt: NOW - 2 * MIN, finishedAt: NOW - 61 * S, startedAt: NOW - 60 * S }), NOW)).toEqual({
      looping: true,
      exitsInWindow: 3,
      lastExitAt: NOW - 61 * S,
    });
  });

  it('fewer than three restarts, no restart policy, or stopped for good: no verdict', () => {
    expect(inspectRestartLoop(at({ restartCount: 2 }), NOW)).toBeNull();
    expect(inspectRestartLoop(at({ restartPolicy: { name: 'no', maxRetries: 0 } }), NOW)).toBeNull();
    expect(inspectRestartLoop(at({ state: 'exited' }), NOW)).toBeNull();
    expect(inspectRestartLoop(at({ state: 'paused' }), NOW)).toBeNull();
  });

  it('a loop that stopped five minutes ago is over, however many restarts it left behind', () => {
    expect(inspectRestartLoop(at({ finishedAt: NOW - 5 * MIN - 1 }), NOW)).toBeNull();
    expect(inspectRestartLoop(at({ finishedAt: NOW - 5 * MIN }), NOW)?.looping).toBe(true);
    expect(inspectRestartLoop(at({ finishedAt: null }), NOW)).toBeNull();
    // A container up for a day after 500 restarts last week.
    expect(inspectRestartLoop(at({ state: 'running', restartCount: 500, createdAt: NOW - 8 * 24 * HOUR, startedAt: NOW - 24 * HOUR, finishedAt: NOW - 24 * HOUR }), NOW)).toBeNull();
  });

  it('merges with the events verdict: either one flags a loop', () => {
    const events = { looping: false, exitsInWindow: 2, lastExitAt: NOW - 4 * S };
    expect(mergeRestartLoop(events, inspectRestartLoop(looping, NOW))).toEqual({ looping: true, exitsInWindow: 2, lastExitAt: NOW - 3 * S });
    expect(mergeRestartLoop(events, null)).toBe(events);
    expect(mergeRestartLoop(null, null)).toBeNull();
  });
});

describe('the grid flags a loop dockerd no longer remembers', () => {
  it('no events at all, inspect says restarting after 11 restarts: service row and replica say loop', () => {
    const base = view('inspect-api-1.json');
    const worker = { ...base, ...looping, id: 'w1', oneoff: false };
    const [project] = groupContainers({ containers: [worker], now: NOW });
    const row = project!.services[0]!;
    expect(row).toMatchObject({ restartLoop: true, degraded: true, restarts: 11 });
    expect(row.reasons).toContain('restart-loop');
    expect(row.replicas[0]!.restartLoop?.looping).toBe(true);
    // What the grid's RESTARTS column draws: "11 loop 3s".
    expect(serviceCells(row, { color: false, now: NOW }).restarts.text).toBe('11 loop 3s');
    // A one-off run is never a loop of a service.
    const [oneoff] = groupContainers({ containers: [{ ...worker, oneoff: true }], now: NOW });
    expect(oneoff!.oneoffs[0]!.restartLoop).toBe(false);
  });
});
