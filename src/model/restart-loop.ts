/**
 * Restart-loop detection from the events stream: three or more exits within five minutes.
 *
 * Docker's RestartCount alone cannot say this: it only counts restarts by the restart policy,
 * has no timestamps, and resets on a manual start. The die events can.
 *
 * Exits an operator asked for (docker stop / restart / compose up --force-recreate: a TERM,
 * INT, QUIT or KILL "kill" event just before the "die") do not count, so restarting a service
 * three times while debugging is not reported as a crash loop. A HUP sent to reload a proxy
 * is not a stop and is ignored.
 *
 * Pure: no timers. Time comes from the events and from `now`, which should be the server's
 * clock (the local clock corrected by the skew seen in /info SystemTime), since event times are
 * the server's.
 */
import type { DockerEvent } from '../docker/schemas.js';
import { sanitise, sanitiseRecord } from '../text/sanitise.js';
import { composeIdentity, serviceKey, type ContainerView } from '../docker/container.js';

export interface RestartLoopOptions {
  /** Exits that make a loop. Default 3. */
  threshold?: number;
  /** Default five minutes. */
  windowMs?: number;
}

export interface RestartLoopStatus {
  looping: boolean;
  /** Exits inside the window ending now. */
  exitsInWindow: number;
  /** Epoch ms of the most recent exit we saw, if any is remembered. */
  lastExitAt: number | null;
}

export const DEFAULT_RESTART_LOOP = { threshold: 3, windowMs: 5 * 60_000 } as const;

/** The verdict for one key from its exit times (epoch ms, any order). */
export function restartLoopStatus(exitTimes: readonly number[], now: number, opts: RestartLoopOptions = {}): RestartLoopStatus {
  const threshold = opts.threshold ?? DEFAULT_RESTART_LOOP.threshold;
  const windowMs = opts.windowMs ?? DEFAULT_RESTART_LOOP.windowMs;
  let inWindow = 0;
  let last: number | null = null;
  for (const t of exitTimes) {
    // Inclusive: three exits exactly five minutes apart end to end still count.
    if (t >= now - windowMs) inWindow++;
    if (last === null || t > last) last = t;
  }
  return { looping: inWindow >= threshold, exitsInWindow: inWindow, lastExitAt: last };
}

/** What inspect keeps about a container's restarts: none of it expires with dockerd's event memory. */
export type RestartFacts = Pick<ContainerView, 'state' | 'restartCount' | 'restartPolicy' | 'createdAt' | 'startedAt' | 'finishedAt'>;

/**
 * Docker's restart manager doubles its back-off after a run shorter than this and resets it after
 * a longer one: a run this short is, to Docker itself, a failed start.
 */
export const SHORT_RUN_MS = 10_000;

/**
 * The verdict from inspect alone, for a loop whose exits dockerd's event memory (its last 256
 * events) no longer holds. Null when inspect shows no loop. A loop when Docker restarts it by
 * policy, has done so at least `threshold` times (RestartCount), its last exit (FinishedAt) is
 * inside the window, and one of:
 * - it is restarting now: Docker is waiting out its back-off after yet another exit;
 * - its current run began less than SHORT_RUN_MS ago;
 * - over its whole life (since Created) it restarted at least as often as the loop rule asks
 *   (threshold per window): RestartCount is reset by a manual start, so this rate can only be
 *   an underestimate.
 * `exitsInWindow` counts only exits known to be inside the window: all of RestartCount when the
 * container was created inside it, else the last one.
 */
export function inspectRestartLoop(c: RestartFacts, now: number, opts: RestartLoopOptions = {}): RestartLoopStatus | null {
  const threshold = opts.threshold ?? DEFAULT_RESTART_LOOP.threshold;
  const windowMs = opts.windowMs ?? DEFAULT_RESTART_LOOP.windowMs;
  if (c.restartPolicy.name === 'no' || c.restartCount < threshold) return null;
  if (c.state !== 'restarting' && c.state !== 'running') return null;
  const lastExit = c.finishedAt;
  if (lastExit === null || lastExit < now - windowMs) return null;
  const restartingNow = c.state === 'restarting';
  const shortRun = c.state === 'running' && c.startedAt !== null && now - c.startedAt < SHORT_RUN_MS;
  const lifeMs = c.createdAt === null ? null : Math.max(windowMs, now - c.createdAt);
  const loopRate = lifeMs !== null && c.restartCount * windowMs >= threshold * lifeMs;
  if (!restartingNow && !shortRun && !loopRate) return null;
  const createdInWindow = c.createdAt !== null && c.createdAt >= now - windowMs;
  return { looping: true, exitsInWindow: createdInWindow ? c.restartCount : 1, lastExitAt: lastExit };
}

/** Events and inspect together: a loop if either says so. */
export function mergeRestartLoop(a: RestartLoopStatus | null, b: RestartLoopStatus | null): RestartLoopStatus | null {
  if (a === null || b === null) return a ?? b;
  const last = a.lastExitAt === null ? b.lastExitAt : b.lastExitAt === null ? a.lastExitAt : Math.max(a.lastExitAt, b.lastExitAt);
  return { looping: a.looping || b.looping, exitsInWindow: Math.max(a.exitsInWindow, b.exitsInWindow), lastExitAt: last };
}

/** Epoch ms of an event, preferring the nanosecond field. */
export function eventTime(ev: DockerEvent): number | null {
  if (ev.timeNano != null && ev.timeNano > 0) return ev.timeNano / 1e6;
  if (ev.time != null && ev.time > 0) return ev.time * 1000;
  return null;
}

// Signals docker stop / compose stop / docker kill send to end a container. Events carry the
// number ("15"); accept names too in case an engine ever sends them.
const STOP_SIGNALS = new Set(['2', '3', '9', '15', 'INT', 'QUIT', 'KILL', 'TERM', 'SIGINT', 'SIGQUIT', 'SIGKILL', 'SIGTERM']);

// How long after a stop-kill the die still counts as asked for: covers a long stop_grace_period.
const STOP_INTENT_MS = 5 * 60_000;
// Enough for any threshold we would use; bounds memory for a container dying every 100 ms.
const MAX_EXITS_PER_KEY = 64;

export class RestartLoopDetector {
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly exits = new Map<string, number[]>();
  private readonly stopIntents = new Map<string, number>();

  constructor(opts: RestartLoopOptions & { now?: () => number } = {}) {
    this.threshold = opts.threshold ?? DEFAULT_RESTART_LOOP.threshold;
    this.windowMs = opts.windowMs ?? DEFAULT_RESTART_LOOP.windowMs;
    this.now = opts.now ?? Date.now;
  }

  /** The key a container's own exits are kept under (its service's key is serviceKey()). */
  static containerKey(containerId: string): string {
    return `container:${containerId}`;
  }

  /**
   * Feed one event from the stream (already parsed by DockerEventSchema). Returns true when it
   * was a counted exit, so a store knows to recompute.
   */
  observe(ev: DockerEvent): boolean {
    if (ev.Type !== 'container') return false;
    const id = sanitise(ev.Actor?.ID ?? ev.id ?? '');
    if (id === '') return false;
    const at = eventTime(ev) ?? this.now();
    const attrs = sanitiseRecord(ev.Actor?.Attributes);
    const cKey = RestartLoopDetector.containerKey(id);
    switch (ev.Action) {
      case 'kill':
        if (STOP_SIGNALS.has((attrs.signal ?? '').toUpperCase())) this.stopIntents.set(cKey, at);
        return false;
      case 'die': {
        const intent = this.stopIntents.get(cKey);
        this.stopIntents.delete(cKey);
        if (intent !== undefined && at - intent <= STOP_INTENT_MS && at >= intent) return false;
        const identity = composeIdentity(attrs);
        if (identity.oneoff) return false;
        this.recordExit([cKey, serviceKey(identity, attrs.name ?? id)], at);
        return true;
      }
      case 'destroy':
        // The service key keeps the history: a recreated container inherits its service's loop.
        this.exits.delete(cKey);
        this.stopIntents.delete(cKey);
        return false;
      default:
        return false;
    }
  }

  /** Record one exit under each key (a container and its service). */
  recordExit(keys: readonly string[], at: number): void {
    const horizon = Math.max(at, this.now()) - this.windowMs;
    for (const key of keys) {
      const list = (this.exits.get(key) ?? []).filter((t) => t >= horizon);
      list.push(at);
      list.sort((a, b) => a - b);
      if (list.length > MAX_EXITS_PER_KEY) list.splice(0, list.length - MAX_EXITS_PER_KEY);
      this.exits.set(key, list);
    }
  }

  status(key: string, now: number = this.now()): RestartLoopStatus {
    return restartLoopStatus(this.exits.get(key) ?? [], now, { threshold: this.threshold, windowMs: this.windowMs });
  }

  /** Statuses for every key with an exit still inside the window; the grouping's input. */
  snapshot(now: number = this.now()): Map<string, RestartLoopStatus> {
    const out = new Map<string, RestartLoopStatus>();
    for (const key of this.exits.keys()) {
      const s = this.status(key, now);
      if (s.exitsInWindow > 0) out.set(key, s);
    }
    return out;
  }

  /** Drop exits and stop intents too old to matter. Call now and then (e.g. on each render tick). */
  prune(now: number = this.now()): void {
    const horizon = now - this.windowMs;
    for (const [key, list] of this.exits) {
      const kept = list.filter((t) => t >= horizon);
      if (kept.length === 0) this.exits.delete(key);
      else this.exits.set(key, kept);
    }
    for (const [key, t] of this.stopIntents) if (now - t > STOP_INTENT_MS) this.stopIntents.delete(key);
  }
}
