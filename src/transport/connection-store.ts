/**
 * The state of one server connection, as a store the UI reads with useSyncExternalStore and the
 * CLI reads directly: subscribe() + getSnapshot(), plain TypeScript, no React.
 *
 * Snapshots are immutable and only replaced when something changes, so getSnapshot() may be
 * called on every render. Strings that came from a server (the SSH banner, error texts) are
 * sanitised by the transport before they get here.
 */

export type DockerPath = 'streamlocal' | 'dial-stdio' | 'local';

export type ConnectionState =
  | { status: 'connecting'; since: number }
  | {
      status: 'connected';
      since: number;
      path?: DockerPath;
      /** Set while the server has sent nothing for longer than a keepalive answer takes: local epoch ms of its last byte. */
      silentSince?: number;
    }
  | {
      status: 'reconnecting';
      since: number;
      /** 1 for the first retry. */
      attempt: number;
      /** Delay chosen for this attempt, in ms. */
      nextInMs: number;
      /** Wall-clock time (ms since epoch) of the next try, so a countdown can be drawn. */
      retryAt: number;
      /** Why the connection dropped (already sanitised). */
      lastError?: string;
    }
  | { status: 'failed'; since: number; reason: string; hint?: string }
  | { status: 'closed'; since: number };

export interface ConnectionSnapshot {
  /** What the user would call this server: profile name, alias, or user@host:port. */
  label: string;
  state: ConnectionState;
  /** Times the connection came back after a drop. Stores compare it to know they must resume. */
  reconnects: number;
  /** Pre-auth banner from the server, if any (sanitised). */
  banner?: string;
}

type Listener = () => void;

export class ConnectionStore {
  #snapshot: ConnectionSnapshot;
  #listeners = new Set<Listener>();
  #reconnectedListeners = new Set<Listener>();
  #now: () => number;

  constructor(label: string, opts: { now?: () => number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#snapshot = { label, state: { status: 'connecting', since: this.#now() }, reconnects: 0 };
  }

  subscribe = (listener: Listener): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  getSnapshot = (): ConnectionSnapshot => this.#snapshot;

  /**
   * Called once each time the connection is back after a drop, after the state says
   * `connected`: the place for stores to restart their event, stats and log streams.
   */
  onReconnected(listener: Listener): () => void {
    this.#reconnectedListeners.add(listener);
    return () => {
      this.#reconnectedListeners.delete(listener);
    };
  }

  // The setters below belong to the transport.

  connecting(): void {
    this.#set({ state: { status: 'connecting', since: this.#now() } });
  }

  connected(path?: DockerPath): void {
    const wasReconnecting = this.#snapshot.state.status === 'reconnecting';
    const reconnects = this.#snapshot.reconnects + (wasReconnecting ? 1 : 0);
    this.#set({ state: { status: 'connected', since: this.#now(), ...(path ? { path } : {}) }, reconnects });
    if (wasReconnecting) {
      for (const l of [...this.#reconnectedListeners]) {
        try {
          l();
        } catch {
          // A consumer's bug must not stop the others from resuming.
        }
      }
    }
  }

  setPath(path: DockerPath): void {
    const s = this.#snapshot.state;
    if (s.status === 'connected' && s.path !== path) this.#set({ state: { ...s, path } });
  }

  /** The server went quiet (lastHeardAt: its last byte), or spoke again (undefined). */
  silent(lastHeardAt: number | undefined): void {
    const s = this.#snapshot.state;
    if (s.status !== 'connected' || s.silentSince === lastHeardAt) return;
    const { silentSince: _old, ...rest } = s;
    this.#set({ state: lastHeardAt === undefined ? rest : { ...rest, silentSince: lastHeardAt } });
  }

  reconnecting(attempt: number, nextInMs: number, lastError?: string): void {
    const now = this.#now();
    this.#set({
      state: { status: 'reconnecting', since: now, attempt, nextInMs, retryAt: now + nextInMs, ...(lastError ? { lastError } : {}) },
    });
  }

  failed(reason: string, hint?: string): void {
    this.#set({ state: { status: 'failed', since: this.#now(), reason, ...(hint ? { hint } : {}) } });
  }

  closed(): void {
    if (this.#snapshot.state.status === 'closed') return;
    this.#set({ state: { status: 'closed', since: this.#now() } });
  }

  setBanner(banner: string): void {
    this.#set({ banner });
  }

  #set(patch: Partial<ConnectionSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    for (const l of [...this.#listeners]) {
      try {
        l();
      } catch {
        // Listeners are render triggers; one failing must not starve the rest.
      }
    }
  }
}

/** "reconnecting, attempt 3, next in 4s" and friends: one line for status bars and the CLI. */
export function describeConnectionState(state: ConnectionState, now: number = Date.now()): string {
  switch (state.status) {
    case 'connecting':
      return 'connecting';
    case 'connected': {
      const base = state.path ? `connected (${state.path})` : 'connected';
      if (state.silentSince === undefined) return base;
      return `${base}, no answer for ${Math.max(0, Math.floor((now - state.silentSince) / 1000))}s`;
    }
    case 'reconnecting': {
      const left = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
      return `reconnecting, attempt ${state.attempt}, next in ${left}s`;
    }
    case 'failed':
      return `failed: ${state.reason}`;
    case 'closed':
      return 'closed';
  }
}
