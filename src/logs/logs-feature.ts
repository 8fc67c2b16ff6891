/**
 * How a screen (or `:logs api worker`) gets a log view: one call with the ServerConnection and
 * what to show; it returns the store to read and the actions to call. Nothing starts until the
 * screen subscribes.
 */
import { favourMemoryWhileFollowing } from './heap-mode.js';
import type { ServerConnection } from '../transport/connection.js';
import type { Level } from './log-level.js';
import type { ReconnectSignal } from './log-follower.js';
import { dockerLogApi } from './log-source.js';
import { LogStore, type LogActions } from './log-store.js';
import { containerSummaries, resolveTargets, type TargetResolution } from './log-targets.js';
import { rawGetJson } from '../transport/raw-get.js';

export interface LogViewRequest {
  /** Services, replicas or containers, as typed ("api", "shop/worker", "api-2", "hostile-tty"). */
  words: readonly string[];
  /** Lines per container read at start; default: the buffer size. */
  tail?: number;
  /** Docker's "seconds.nanoseconds" (parseSince). */
  since?: string;
  /** Lines kept (default 10,000). */
  buffer?: number;
  /** Initial filter text (filter language, log-filter.ts). */
  filter?: string;
  minLevel?: Level | null;
}

export interface LogsFeature {
  store: LogStore;
  actions: LogActions;
  /** Stop the streams for good (the view closed). */
  dispose(): void;
}

export function reconnectSignal(conn: Pick<ServerConnection, 'onReconnected' | 'state'>): ReconnectSignal {
  return {
    onReconnected: (l) => conn.onReconnected(l),
    isConnected: () => conn.state.getSnapshot().state.status === 'connected',
  };
}

/**
 * List the server's containers and pick the ones `words` name. A raw request, like the log
 * streams that follow it: `opsdeck logs` then never starts Node's HTTP client.
 */
export async function resolveOnServer(conn: Pick<ServerConnection, 'openDockerSocket'>, words: readonly string[]): Promise<TargetResolution> {
  const list = await rawGetJson(await conn.openDockerSocket(), '/containers/json?all=1');
  return resolveTargets(words, containerSummaries(list));
}

export function createLogsFeature(conn: ServerConnection, req: LogViewRequest): LogsFeature {
  const store = new LogStore({
    api: dockerLogApi(conn),
    resolve: () => resolveOnServer(conn, req.words),
    connection: reconnectSignal(conn),
    ...(req.buffer !== undefined ? { capacity: req.buffer } : {}),
    ...(req.tail !== undefined ? { tail: req.tail } : {}),
    ...(req.since !== undefined ? { since: req.since } : {}),
    ...(req.filter !== undefined ? { filter: req.filter } : {}),
    ...(req.minLevel !== undefined ? { minLevel: req.minLevel } : {}),
  });
  return logsFeatureOf(store);
}

/** A log view over `store`: the heap favours memory while it follows, until the view is disposed. */
export function logsFeatureOf(store: LogStore): LogsFeature {
  const release = favourMemoryWhileFollowing();
  return {
    store,
    actions: store,
    dispose: () => {
      release();
      store.dispose();
    },
  };
}
