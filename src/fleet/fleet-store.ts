/**
 * Every server of a fleet at once: one session (one SSH connection) per server, connected in
 * parallel, each with its own retry and backoff, folded into one snapshot of rows and notices.
 *
 * The sessions are the TUI's ordinary ones, so `enter` on a row shows that server's full grid
 * over the connection the fleet already holds. A server that never answered is retried here
 * (the transport's own reconnect loop starts only once a connection existed); one that refused
 * its host key or the login is not, since trying again cannot fix either.
 */
import { Store } from '../model/store.js';
import type { SessionSnapshot } from '../session/session-store.js';
import type { ServerConnection } from '../transport/connection.js';
import type { Target } from '../transport/target.js';
import { backoffDelay } from '../transport/reconnect.js';
import { sanitise } from '../text/sanitise.js';
import { serverColour } from '../render/server-colour.js';
import { readBackupAge } from './backup-age.js';
import { updateNotices, type Notice } from '../model/fleet-notices.js';
import { fleetLink, fleetRow, type BackupAge, type FleetRow, type SessionLink } from '../model/fleet-view.js';

/** What the fleet needs of a server's session (SessionStore provides it). */
export interface FleetSession {
  readonly target: Target;
  subscribe(listener: () => void): () => void;
  getSnapshot(): SessionSnapshot;
  start(): Promise<void>;
  close(): Promise<void>;
  readonly connection: ServerConnection | undefined;
  readonly runningRunbook: string | undefined;
}

export interface FleetSnapshot {
  /** The group name, or undefined for a `--host a,b` list. */
  group: string | undefined;
  rows: readonly FleetRow[];
  notices: readonly Notice[];
  connected: number;
}

export interface FleetOptions {
  group?: string | undefined;
  /** Called with the faults that just appeared (the terminal bell). */
  onNewNotices?: (added: readonly Notice[]) => void;
  now?: () => number;
  /** How often a server's backups are listed (default 10 min). */
  backupEveryMs?: number;
  /** Retry delays for a server that never answered (default 1, 2, 4, 8, then 10 s). */
  retry?: { baseMs?: number; maxMs?: number };
  /** A server waiting for its disk passphrase is knocked on this often (default 30 s). */
  lockedRetryMs?: number;
  /** Stats and host facts of a server whose grid is on screen (default 2 s and 30 s, a single-server grid's) … */
  focusedPace?: { statsMs: number; hostFactsMs: number };
  /**
   * … and of the others (default 20 s and 2 min): the fleet view shows no CPU figures, only memory
   * near its limit, and load and disk change slowly. Faults come from the event stream at once
   * either way. Measured: the fleet's client CPU is a budget (bench/README.md).
   */
  backgroundPace?: { statsMs: number; hostFactsMs: number };
}

interface Member {
  name: string;
  session: FleetSession;
  attempt: number;
  retryAt: number | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The pending retry is the locked server's slow knock. */
  retryLocked: boolean;
  /** Unsubscribes from the connection and grid of the current ready phase. */
  detach: (() => void) | undefined;
  readyFor: ServerConnection | undefined;
  droppedAt: number | undefined;
  wasConnected: boolean;
  backup: BackupAge | undefined;
  backupTimer: ReturnType<typeof setInterval> | undefined;
  lastGrid: Extract<SessionSnapshot, { phase: 'ready' }>['grid'] | undefined;
}

const PUBLISH_EVERY_MS = 200;
const FOCUSED_PACE = { statsMs: 2000, hostFactsMs: 30_000 };
export const BACKGROUND_PACE = { statsMs: 20_000, hostFactsMs: 120_000 };

export class FleetStore extends Store<FleetSnapshot> {
  #members: Member[];
  #opts: FleetOptions;
  #now: () => number;
  #publishTimer: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: (() => void)[] = [];
  #closed = false;
  #lastKey = '';
  #focused: string | undefined;

  constructor(sessions: readonly { name: string; session: FleetSession }[], opts: FleetOptions = {}) {
    super({ group: opts.group, rows: [], notices: [], connected: 0 });
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#members = sessions.map(({ name, session }) => ({
      name,
      session,
      attempt: 0,
      retryAt: undefined,
      retryTimer: undefined,
      retryLocked: false,
      detach: undefined,
      readyFor: undefined,
      droppedAt: undefined,
      wasConnected: false,
      backup: undefined,
      backupTimer: undefined,
      lastGrid: undefined,
    }));
    this.#publishNow();
  }

  get names(): string[] {
    return this.#members.map((m) => m.name);
  }

  /** Connect every server at once; rows fill in as each answers. */
  start(): void {
    for (const m of this.#members) {
      this.#unsubscribe.push(m.session.subscribe(() => this.#onSession(m)));
      void m.session.start();
    }
  }

  /** The server whose full grid is on screen (undefined: the fleet view): sampled at the grid's pace. */
  focus(name: string | undefined): void {
    this.#focused = name;
    for (const m of this.#members) {
      const snap = m.session.getSnapshot();
      if (snap.phase === 'ready') snap.grid.setPace(this.#pace(m));
    }
  }

  #pace(m: Member): { statsMs: number; hostFactsMs: number } {
    return m.name === this.#focused ? (this.#opts.focusedPace ?? FOCUSED_PACE) : (this.#opts.backgroundPace ?? BACKGROUND_PACE);
  }

  /** Skip the wait of every server that is between retries. */
  retryNow(): void {
    for (const m of this.#members) {
      if (m.retryTimer === undefined) continue;
      clearTimeout(m.retryTimer);
      m.retryTimer = undefined;
      void m.session.start();
    }
    for (const m of this.#members) m.session.connection?.retryNow();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#publishTimer);
    for (const off of this.#unsubscribe) off();
    for (const m of this.#members) {
      clearTimeout(m.retryTimer);
      clearInterval(m.backupTimer);
      m.detach?.();
    }
    await Promise.all(this.#members.map((m) => m.session.close().catch(() => undefined)));
  }

  #onSession(m: Member): void {
    if (this.#closed) return;
    const snap = m.session.getSnapshot();
    if (snap.phase === 'ready') {
      if (m.readyFor !== snap.conn) this.#attach(m, snap.conn, snap.grid);
      m.attempt = 0;
      m.retryAt = undefined;
    } else if (snap.phase === 'failed' && (m.retryTimer === undefined || (snap.locked !== undefined && !m.retryLocked))) {
      // The session says "locked" a moment after "failed" (it knocks on the unlock port first):
      // that second word replaces the unreachable server's backoff with the locked one's pace.
      if (m.retryTimer !== undefined) {
        clearTimeout(m.retryTimer);
        m.retryTimer = undefined;
        m.attempt = Math.max(0, m.attempt - 1);
      }
      this.#detach(m);
      m.droppedAt ??= m.wasConnected ? snap.since : undefined;
      this.#scheduleRetry(m, snap);
    }
    this.#schedulePublish();
  }

  #scheduleRetry(m: Member, snap: Extract<SessionSnapshot, { phase: 'failed' }>): void {
    const wait = snap.locked ? (this.#opts.lockedRetryMs ?? 30_000) : snap.kind === 'unreachable' ? backoffDelay(m.attempt + 1, this.#opts.retry) : undefined;
    if (wait === undefined) return;
    m.retryLocked = snap.locked !== undefined;
    m.attempt += 1;
    m.retryAt = this.#now() + wait;
    m.retryTimer = setTimeout(() => {
      m.retryTimer = undefined;
      if (!this.#closed) void m.session.start();
    }, wait);
  }

  #attach(m: Member, conn: ServerConnection, grid: Extract<SessionSnapshot, { phase: 'ready' }>['grid']): void {
    this.#detach(m);
    m.readyFor = conn;
    m.lastGrid = grid;
    grid.setPace(this.#pace(m));
    const offConn = conn.state.subscribe(() => {
      const connected = conn.state.getSnapshot().state.status === 'connected';
      if (connected) m.wasConnected = true;
      else m.droppedAt ??= this.#now();
      this.#schedulePublish();
    });
    const offGrid = grid.subscribe(() => {
      const g = grid.getSnapshot();
      // Current again: the rows no longer say "stale since".
      if (!g.stale && g.status === 'ready' && conn.state.getSnapshot().state.status === 'connected') m.droppedAt = undefined;
      this.#schedulePublish();
    });
    m.wasConnected = true;
    m.droppedAt = undefined;
    const pollBackups = () => {
      readBackupAge(conn, this.#now()).then(
        (b) => {
          m.backup = b;
          this.#schedulePublish();
        },
        // A listing that fails leaves the last known age; the audit says why in detail.
        () => undefined,
      );
    };
    if (conn.target.profile?.backup) {
      pollBackups();
      m.backupTimer = setInterval(pollBackups, this.#opts.backupEveryMs ?? 600_000);
      m.backupTimer.unref?.();
    }
    m.detach = () => {
      offConn();
      offGrid();
      clearInterval(m.backupTimer);
      m.backupTimer = undefined;
    };
  }

  #detach(m: Member): void {
    m.detach?.();
    m.detach = undefined;
    m.readyFor = undefined;
  }

  #schedulePublish(): void {
    if (this.#publishTimer !== undefined || this.#closed) return;
    this.#publishTimer = setTimeout(() => {
      this.#publishTimer = undefined;
      this.#publishNow();
    }, PUBLISH_EVERY_MS);
  }

  #publishNow(): void {
    const now = this.#now();
    const rows = this.#members.map((m) => this.#row(m));
    const { notices, added } = updateNotices(this.getSnapshot().notices, rows, now);
    // Most grid updates are CPU figures the fleet does not show: an unchanged view is not a new
    // snapshot, so the screen does not draw it again (idle CPU is a budget).
    const key = JSON.stringify([rows, notices]);
    if (key === this.#lastKey) return;
    this.#lastKey = key;
    this.set({ group: this.#opts.group, rows, notices, connected: rows.filter((r) => r.link.state === 'connected').length });
    if (added.length) this.#opts.onNewNotices?.(added);
  }

  #row(m: Member): FleetRow {
    const snap = m.session.getSnapshot();
    const profile = m.session.target.profile;
    const link: SessionLink =
      snap.phase === 'connecting'
        ? { phase: 'connecting', since: this.#now() }
        : snap.phase === 'ready'
          ? { phase: 'ready', connection: snap.conn.state.getSnapshot().state }
          : { phase: 'failed', since: snap.since, message: sanitise(snap.message), kind: snap.kind, locked: snap.locked !== undefined };
    const previous = this.getSnapshot().rows.find((r) => r.name === m.name);
    const l = fleetLink(link, { attempt: m.attempt, retryAt: m.retryAt });
    // "connecting since" is when it started, not this publish.
    if (l.state === 'connecting' && previous?.link.state === 'connecting') l.since = previous.link.since;
    const hop = snap.phase === 'ready' ? snap.conn.hops()[0] : undefined;
    return fleetRow({
      name: m.name,
      colour: serverColour(profile),
      environment: profile?.environment,
      link: l,
      fingerprint: hop?.hostKey.fingerprint ?? previous?.fingerprint,
      // Between connections the last grid stays, marked stale: never shown as current.
      grid: (snap.phase === 'ready' ? snap.grid : m.lastGrid)?.getSnapshot(),
      droppedAt: m.droppedAt,
      backup: m.backup,
      run: m.session.runningRunbook,
    });
  }

}
