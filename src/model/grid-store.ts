import type Dockerode from 'dockerode';
import { Store } from './store.js';
import { composeIdentity, containerFromInspect, serviceKey, type ContainerView } from '../docker/container.js';
import { groupContainers, gridVerdict, gridMemoryBudget, type ContainerLive, type GridVerdict, type ProjectGroup } from './grouping.js';
import { RestartLoopDetector, eventTime, inspectRestartLoop } from './restart-loop.js';
import type { MemoryBudget } from './stats-math.js';
import { ContainerInspectSchema, parseContainerList, type DockerEvent } from '../docker/schemas.js';
import { StatsSampler } from '../docker/stats-sampler.js';
import { followContainerEvents, readContainerEvents, type EventStreamHandle } from '../docker/event-stream.js';
import { readHostFacts, type HostFacts } from '../docker/host-facts.js';
import { negotiateApiVersion } from '../docker/api-version.js';
import type { ExecResult, ExecStream } from '../transport/exec-types.js';
import { sanitise, sanitiseRecord } from '../text/sanitise.js';

/** What the grid needs of a connection; ServerConnection provides it. */
export interface GridSource {
  docker: Dockerode;
  exec(argv: readonly string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** For the stats stream (stats-sampler.ts); rounds of exec without it. */
  execStream?(argv: readonly string[]): Promise<ExecStream>;
  onReconnected(listener: () => void): () => void;
}

export interface ExitRecord {
  at: number;
  containerId: string;
  containerName: string;
  exitCode: number | null;
}

export interface GridSnapshot {
  status: 'loading' | 'ready' | 'error';
  error: string | undefined;
  host: HostFacts | null;
  groups: readonly ProjectGroup[];
  verdict: GridVerdict;
  budget: MemoryBudget | null;
  /** By id, for the detail screen and actions. */
  containers: ReadonlyMap<string, ContainerView>;
  /** Exits seen on the events stream since opsdeck started, newest last, by serviceKey(). */
  exits: ReadonlyMap<string, readonly ExitRecord[]>;
  /** True while the connection is down: figures on screen are the last known, not current. */
  stale: boolean;
  /** Local epoch ms of the last change from the server. */
  updatedAt: number;
}

export interface GridStoreOptions {
  intervalMs?: number;
  /** Only these Compose projects (opsdeck status --project). */
  projects?: readonly string[];
  /** Redraw at most this often. */
  publishEveryMs?: number;
  now?: () => number;
  /**
   * Take a stats baseline while loading, so CPU figures show with the first round (default true).
   * The fleet's servers show no CPU figures: they skip it and are ready an exec sooner.
   */
  primeStats?: boolean;
}

const INSPECT_CONCURRENCY = 8;
const HOST_FACTS_EVERY_MS = 30_000;
const MAX_EXITS_KEPT = 50;
// Matches the restart-loop window: "three exits within five minutes".
const RESTART_HISTORY_SEC = 5 * 60;
const INSPECT_COALESCE_MS = 50;
const REINSPECT_GAP_MS = 3000;
/**
 * For a container already flagged as restart-looping: its loop flag and the time since its last
 * exit come from the events at every publish, and its state flips every few seconds whatever is
 * shown; its count and details can wait this long. (The lab's crash loop, a die and a start every
 * four seconds, was a third of the live grid's inspects, parses and redraws.)
 */
const LOOPING_REINSPECT_GAP_MS = 10_000;
// Events that can change what inspect says about a container.
const REINSPECT = new Set(['create', 'start', 'restart', 'die', 'stop', 'kill', 'pause', 'unpause', 'oom', 'rename', 'update', 'health_status']);
/** What the grid asks the events stream for: what changes a row, and `destroy` removes one. */
const EVENT_ACTIONS = [...REINSPECT, 'destroy'];

/**
 * The live service grid. The container list is loaded once and then kept current by the events
 * stream (a container is re-inspected when an event says it changed; nothing is re-polled on a
 * timer). Stats come from one sampler for all containers. Snapshots are published at most every
 * `publishEveryMs`, and only when something changed, so an idle server costs no redraws.
 */
export class GridStore extends Store<GridSnapshot> {
  #src: GridSource;
  #opts: Required<Omit<GridStoreOptions, 'projects'>> & { projects: readonly string[] | undefined };
  #views = new Map<string, ContainerView>();
  #live: ReadonlyMap<string, ContainerLive> = new Map();
  #exits = new Map<string, ExitRecord[]>();
  #detector: RestartLoopDetector;
  #host: HostFacts | null = null;
  #sampler: StatsSampler;
  #events: EventStreamHandle | undefined;
  #lastEventSec: number | undefined;
  #seenEvents = new Set<string>();
  #pendingInspect = new Set<string>();
  #inspectTimer: NodeJS.Timeout | undefined;
  #inspectTimerAt = 0;
  #inspectedAt = new Map<string, number>();
  #publishTimer: NodeJS.Timeout | undefined;
  #hostTimer: NodeJS.Timeout | undefined;
  #hostFactsMs = HOST_FACTS_EVERY_MS;
  #dirty = false;
  #list: ContainerView[] | null = null;
  #lastPublish = 0;
  #running = false;
  #stale = false;
  /** Containers whose last event was a fault (died, turned unhealthy): inspected without waiting out the gap. */
  #urgentInspect = new Set<string>();
  #unsubReconnect: (() => void) | undefined;
  #recoverTimer: NodeJS.Timeout | undefined;
  #recoverAttempt = 0;
  #recovery: Promise<void> = Promise.resolve();

  constructor(src: GridSource, opts: GridStoreOptions = {}) {
    const now = opts.now ?? Date.now;
    super(emptySnapshot(now()));
    this.#src = src;
    this.#opts = { intervalMs: opts.intervalMs ?? 2000, publishEveryMs: opts.publishEveryMs ?? 250, now, projects: opts.projects, primeStats: opts.primeStats ?? true };
    this.#detector = new RestartLoopDetector({ now: () => this.#serverNow() });
    this.#sampler = new StatsSampler(src, () => this.#sampleTargets(), (live) => {
      const first = this.#live.size === 0;
      this.#live = live;
      // The first figures complete the grid: on screen now, not after the publish throttle.
      if (first && this.getSnapshot().status === 'ready') this.#publishNow();
      else this.#markDirty();
    }, { intervalMs: this.#opts.intervalMs });
  }

  protected override onFirstSubscriber(): void {
    void this.start();
  }

  protected override onLastUnsubscribe(): void {
    this.stop();
  }

  /** Load everything, then follow events and sample stats until stop(). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#unsubReconnect = this.#src.onReconnected(() => void this.#resume());
    await this.#loadAll();
    if (!this.#running) return;
    this.#sampler.start();
    await this.#followEvents();
    if (!this.#running) return;
    this.#startHostTimer();
  }

  stop(): void {
    this.#running = false;
    this.#unsubReconnect?.();
    this.#events?.stop();
    this.#events = undefined;
    this.#sampler.stop();
    clearTimeout(this.#recoverTimer);
    this.#recoverTimer = undefined;
    clearTimeout(this.#inspectTimer);
    clearTimeout(this.#publishTimer);
    clearInterval(this.#hostTimer);
    this.#hostTimer = undefined;
  }

  /**
   * One complete picture for `opsdeck status`: load, replay the restart-loop window from the
   * events API, and one stats round that reads twice `sampleGapMs` apart (CPU % needs two
   * readings), all at once.
   */
  async snapshotOnce(sampleGapMs = 300): Promise<GridSnapshot> {
    await this.#loadAll();
    // Nothing to add figures to: do not wait on a daemon that has already failed to list.
    if (this.getSnapshot().status === 'error') return this.getSnapshot();
    const nowSec = Math.floor(this.#serverNow() / 1000);
    const [recent, live] = await Promise.all([
      readContainerEvents(this.#src.docker, nowSec - RESTART_HISTORY_SEC, nowSec, EVENT_ACTIONS).then(
        (r) => r.events,
        () => [],
      ),
      this.#statsOnce(sampleGapMs),
    ]);
    for (const ev of recent) this.#onEvent(ev, { reinspect: false });
    this.#live = live;
    this.#publishNow();
    return this.getSnapshot();
  }

  /** One stats round, comparing with the baseline taken during the load when there is one. */
  async #statsOnce(gapMs: number) {
    const wait = this.#sampler.baselineWait(gapMs);
    if (wait === null) return this.#sampler.round(gapMs);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    return this.#sampler.round(0);
  }

  /**
   * How often stats and the host's load and disk are read from now on: the fleet reads servers
   * whose grid is not on screen slowly, and the one being looked at at the grid's own pace.
   */
  setPace(pace: { statsMs: number; hostFactsMs: number }): void {
    this.#sampler.setInterval(pace.statsMs);
    if (pace.hostFactsMs === this.#hostFactsMs) return;
    this.#hostFactsMs = pace.hostFactsMs;
    if (this.#hostTimer) this.#startHostTimer();
  }

  #startHostTimer(): void {
    clearInterval(this.#hostTimer);
    this.#hostTimer = setInterval(() => void this.#refreshHost(this.#host ?? undefined), this.#hostFactsMs);
    this.#hostTimer.unref?.();
  }

  /** How stats are read: from cgroup files over exec, or through the Docker API. */
  get statsPath(): 'cgroup' | 'api' {
    return this.#sampler.path;
  }

  /** Re-read one container now (after an action), without waiting for its event. */
  async refreshContainer(id: string): Promise<void> {
    await this.#inspect([id]);
    this.#markDirty();
  }

  /** False when the load failed; `keepOnError` leaves the last rows on screen, marked stale. */
  async #loadAll(opts: { keepOnError?: boolean } = {}): Promise<boolean> {
    try {
      await negotiateApiVersion(this.#src.docker);
      // The header's host facts take an exec on the server: they arrive while containers are inspected.
      const host = this.#refreshHost();
      const list = parseContainerList(await this.#src.docker.listContainers({ all: true }));
      const wanted = list.filter((c) => this.#wanted(c.Labels?.['com.docker.compose.project']));
      const ids = wanted.map((c) => c.Id);
      const primed = this.#opts.primeStats === false ? undefined : this.#sampler.prime(wanted.filter((c) => c.State === 'running').map((c) => c.Id));
      this.#views.clear();
      await this.#inspect(ids);
      await host;
      await primed;
      this.#stale = false;
      this.#publishNow('ready');
      return true;
    } catch (err) {
      if (opts.keepOnError && this.getSnapshot().status === 'ready') {
        this.#stale = true;
        this.#markDirty();
      } else this.#publishNow('error', err);
      return false;
    }
  }

  /** With `known`, only uptime, load and disk are read again (see readHostFacts). */
  async #refreshHost(known?: HostFacts): Promise<void> {
    try {
      this.#host = await readHostFacts(this.#src.docker, (argv, o) => this.#src.exec(argv, o), known);
      this.#sampler.hostCpus = this.#host.cpus || undefined;
      this.#markDirty();
    } catch {
      // Keep the last facts; the connection state tells why.
    }
  }

  async #inspect(ids: readonly string[]): Promise<void> {
    let i = 0;
    const worker = async () => {
      while (i < ids.length) {
        const id = ids[i++]!;
        try {
          const raw = await this.#src.docker.getContainer(id).inspect();
          const parsed = ContainerInspectSchema.safeParse(raw);
          if (!parsed.success) continue;
          const view = containerFromInspect(parsed.data);
          if (this.#wanted(view.project ?? undefined)) this.#views.set(view.id, view);
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode === 404) this.#views.delete(id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(INSPECT_CONCURRENCY, ids.length) }, worker));
  }

  async #followEvents(): Promise<void> {
    try {
      // The first time, replay the restart-loop window so a loop that began before opsdeck
      // started is flagged at once; after a reconnect, resume where the stream broke off.
      const since = this.#lastEventSec ?? Math.floor(this.#serverNow() / 1000) - RESTART_HISTORY_SEC;
      const events = await followContainerEvents(this.#src.docker, (ev) => this.#onEvent(ev), {
        since,
        actions: EVENT_ACTIONS,
        onEnd: () => {
          // The stream only ends when the connection dropped (or we stopped it).
          if (!this.#running) return;
          this.#stale = true;
          this.#markDirty();
          this.#scheduleRecovery();
        },
      });
      // stop() may have run while the stream was being opened: nobody would end it then.
      if (!this.#running) events.stop();
      else {
        this.#events = events;
        this.#recoverAttempt = 0;
      }
    } catch {
      this.#stale = true;
      this.#markDirty();
      this.#scheduleRecovery();
    }
  }

  /**
   * The events stream also ends when dockerd goes away (restarted, upgraded) while SSH stays
   * up: no reconnect will come to resume it, so the grid tries again by itself, 1 s, 2 s, 4 s …
   * up to 10 s apart. While SSH is down these tries fail fast and the reconnect resumes first.
   */
  #scheduleRecovery(): void {
    if (!this.#running || this.#recoverTimer) return;
    const delay = Math.min(10_000, 1000 * 2 ** Math.min(this.#recoverAttempt++, 4));
    this.#recoverTimer = setTimeout(() => {
      this.#recoverTimer = undefined;
      this.#recoverNow();
    }, delay);
    this.#recoverTimer.unref?.();
  }

  /** One recovery at a time: a reconnect and a retry timer must not open two event streams. */
  #recoverNow(): void {
    this.#recovery = this.#recovery.then(async () => {
      if (!this.#running || !this.#stale) return;
      this.#events?.stop();
      this.#events = undefined;
      if (!(await this.#loadAll({ keepOnError: true }))) return this.#scheduleRecovery();
      if (this.#running) await this.#followEvents();
    });
  }

  async #resume(): Promise<void> {
    if (!this.#running) return;
    clearTimeout(this.#recoverTimer);
    this.#recoverTimer = undefined;
    this.#recoverAttempt = 0;
    // The stream may not have noticed the drop yet: what is on screen is from before it.
    this.#stale = true;
    this.#recoverNow();
    await this.#recovery;
  }

  #onEvent(ev: DockerEvent, opts: { reinspect?: boolean } = {}): void {
    // `since` replays the last second after a resume: count each event once.
    const key = `${ev.Actor?.ID ?? ev.id}|${ev.Action}|${ev.timeNano ?? ev.time}`;
    if (this.#seenEvents.has(key)) return;
    this.#seenEvents.add(key);
    if (this.#seenEvents.size > 2000) this.#seenEvents = new Set([...this.#seenEvents].slice(-1000));
    const at = eventTime(ev);
    if (at !== null) this.#lastEventSec = Math.floor(at / 1000);

    const id = ev.Actor?.ID ?? ev.id ?? '';
    const action = (ev.Action ?? '').split(':')[0]!;
    if (this.#detector.observe(ev)) this.#recordExit(ev, id, at);
    if (action === 'destroy') {
      this.#views.delete(id);
      this.#inspectedAt.delete(id);
      this.#markDirty();
      return;
    }
    if (opts.reinspect !== false && REINSPECT.has(action) && id) {
      if (!this.#views.has(id) && !this.#wanted(ev.Actor?.Attributes?.['com.docker.compose.project'])) return;
      this.#pendingInspect.add(id);
      // A fault is news: it skips the gap (a looping container keeps its own, longer one).
      if (action === 'die' || ev.Action === 'health_status: unhealthy') this.#urgentInspect.add(id);
      this.#scheduleInspect(INSPECT_COALESCE_MS);
    }
  }

  /**
   * Coalesce bursts (die → start → health_status) into one inspect per container, and inspect a
   * container at most every REINSPECT_GAP_MS (LOOPING_REINSPECT_GAP_MS once it is flagged as
   * looping): a crash-looping one sends a die and a start every second or two, and each inspect
   * is a round trip, a parse and a redraw. Its restart-loop flag comes from the events
   * themselves, so only the row's details wait, never more than the gap.
   */
  #scheduleInspect(delayMs: number): void {
    const at = this.#opts.now() + delayMs;
    if (this.#inspectTimer && this.#inspectTimerAt <= at) return;
    clearTimeout(this.#inspectTimer);
    this.#inspectTimerAt = at;
    this.#inspectTimer = setTimeout(() => {
      this.#inspectTimer = undefined;
      const now = this.#opts.now();
      const due: string[] = [];
      let next = Number.POSITIVE_INFINITY;
      for (const id of this.#pendingInspect) {
        const serverNow = this.#serverNow();
        const view = this.#views.get(id);
        // Flagged by the events or, for a loop older than dockerd's event memory, by its last inspect.
        const looping = this.#detector.status(RestartLoopDetector.containerKey(id), serverNow).looping || (view !== undefined && !view.oneoff && inspectRestartLoop(view, serverNow) !== null);
        const gap = looping ? LOOPING_REINSPECT_GAP_MS : this.#urgentInspect.has(id) ? 0 : REINSPECT_GAP_MS;
        const dueAt = (this.#inspectedAt.get(id) ?? Number.NEGATIVE_INFINITY) + gap;
        if (dueAt <= now) due.push(id);
        else next = Math.min(next, dueAt);
      }
      for (const id of due) {
        this.#pendingInspect.delete(id);
        this.#urgentInspect.delete(id);
        this.#inspectedAt.set(id, now);
      }
      if (this.#pendingInspect.size > 0) this.#scheduleInspect(Math.max(INSPECT_COALESCE_MS, next - now));
      if (due.length > 0) void this.#inspect(due).then(() => this.#markDirty());
    }, delayMs);
  }

  #recordExit(ev: DockerEvent, id: string, at: number | null): void {
    const attrs = sanitiseRecord(ev.Actor?.Attributes);
    const view = this.#views.get(id);
    const key = view ? serviceKey(view, view.name) : serviceKey(composeIdentity(attrs), attrs.name ?? id);
    const list = this.#exits.get(key) ?? [];
    const code = Number.parseInt(attrs.exitCode ?? '', 10);
    list.push({ at: at ?? this.#serverNow(), containerId: id, containerName: attrs.name ?? sanitise(id), exitCode: Number.isFinite(code) ? code : null });
    if (list.length > MAX_EXITS_KEPT) list.splice(0, list.length - MAX_EXITS_KEPT);
    this.#exits.set(key, list);
  }

  #sampleTargets() {
    const out: { id: string }[] = [];
    for (const v of this.#views.values()) if (v.state === 'running') out.push({ id: v.id });
    return out;
  }

  #wanted(project: string | undefined | null): boolean {
    const ps = this.#opts.projects;
    return !ps || ps.length === 0 || (project != null && ps.includes(project));
  }

  #serverNow(): number {
    return this.#opts.now() + (this.#host?.clockSkewMs ?? 0);
  }

  #markDirty(): void {
    this.#dirty = true;
    if (this.#publishTimer) return;
    const wait = Math.max(0, this.#lastPublish + this.#opts.publishEveryMs - this.#opts.now());
    this.#publishTimer = setTimeout(() => {
      this.#publishTimer = undefined;
      if (this.#dirty) this.#publishNow();
    }, wait);
  }

  #publishNow(status?: 'ready' | 'error', err?: unknown): void {
    this.#dirty = false;
    this.#lastPublish = this.#opts.now();
    const prev = this.getSnapshot();
    // Most publishes carry a stats reading and nothing else: what did not change is handed on
    // as it was, rather than copied (each copy was garbage every two seconds, for hours).
    const containers = sameEntries(prev.containers, this.#views) ? prev.containers : new Map(this.#views);
    // The same list while no container changed: groupContainers keeps the grid's layout for it.
    if (containers !== prev.containers || this.#list === null) this.#list = [...containers.values()];
    const list = this.#list;
    const now = this.#serverNow();
    const groups = groupContainers({ containers: list, live: this.#live, loops: this.#detector.snapshot(now), now });
    const budget = containers === prev.containers && this.#host === prev.host ? prev.budget : this.#host && this.#host.memTotal > 0 ? gridMemoryBudget(list, this.#host.memTotal) : null;
    this.set({
      status: status ?? (prev.status === 'loading' ? 'loading' : prev.status),
      error: status === 'error' ? sanitise(err instanceof Error ? err.message : String(err)) : status === 'ready' ? undefined : prev.error,
      host: this.#host,
      groups,
      verdict: gridVerdict(groups),
      budget,
      containers,
      exits: sameExits(prev.exits, this.#exits) ? prev.exits : new Map([...this.#exits].map(([k, v]) => [k, [...v]])),
      stale: this.#stale,
      updatedAt: this.#opts.now(),
    });
  }
}

function sameEntries<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of b) if (a.get(k) !== v) return false;
  return true;
}

/** Exit lists only grow at the end (and drop their oldest): same length and same last record is the same list. */
function sameExits(a: ReadonlyMap<string, readonly ExitRecord[]>, b: ReadonlyMap<string, readonly ExitRecord[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of b) {
    const w = a.get(k);
    if (!w || w.length !== v.length || w.at(-1) !== v.at(-1)) return false;
  }
  return true;
}

function emptySnapshot(now: number): GridSnapshot {
  return {
    status: 'loading',
    error: undefined,
    host: null,
    groups: [],
    verdict: { degraded: false, faults: [] },
    budget: null,
    containers: new Map(),
    exits: new Map(),
    stale: false,
    updatedAt: now,
  };
}
