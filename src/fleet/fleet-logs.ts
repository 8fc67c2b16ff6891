/**
 * `:logs web-1:api db-1:postgres`: one log view over several servers, merged in time order by
 * the log store's own merge, each line tagged server:container. Every server's containers are
 * read over that server's one connection; the store sees a single Docker that routes each
 * container id to its server.
 */
import type { ServerConnection } from '../transport/connection.js';
import { UserError } from '../errors.js';
import type { LogsFeature } from '../logs/logs-feature.js';
import { logsFeatureOf, resolveOnServer } from '../logs/logs-feature.js';
import { dockerLogApi, type LogApi } from '../logs/log-source.js';
import { LogStore } from '../logs/log-store.js';
import type { LogTarget, TargetResolution } from '../logs/log-targets.js';

/** `server:word` pairs, grouped by server in the order first named. */
export function parseFleetLogWords(words: readonly string[], servers: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const w of words) {
    const at = w.indexOf(':');
    if (at <= 0 || at === w.length - 1) throw new UserError(`${w}: name the server and the service, as web-1:api`);
    const server = w.slice(0, at);
    if (!servers.includes(server)) throw new UserError(`${server}: not a server of this fleet (${servers.join(', ')})`);
    out.set(server, [...(out.get(server) ?? []), w.slice(at + 1)]);
  }
  return out;
}

/** Ids the store sees: "server\u0000dockerId", never shown (the tag is). */
const SEP = '\u0000';

/** `conns` has every server of the fleet; undefined for one not connected now. */
export function createFleetLogs(all: ReadonlyMap<string, ServerConnection | undefined>, words: readonly string[]): LogsFeature {
  const wanted = parseFleetLogWords(words, [...all.keys()]);
  const conns = new Map<string, ServerConnection>();
  for (const server of wanted.keys()) {
    const conn = all.get(server);
    if (!conn) throw new UserError(`${server}: not connected`, { hint: 'Its logs can be opened once its row says connected.' });
    conns.set(server, conn);
  }
  const apis = new Map<string, LogApi>([...wanted.keys()].map((s) => [s, dockerLogApi(conns.get(s)!)]));
  const route = (id: string): [LogApi, string] => {
    const at = id.indexOf(SEP);
    const api = apis.get(id.slice(0, at));
    if (!api) throw new Error('unknown server');
    return [api, id.slice(at + 1)];
  };
  const api: LogApi = {
    inspect: (id) => {
      const [a, docker] = route(id);
      return a.inspect(docker);
    },
    open: (id, req, signal) => {
      const [a, docker] = route(id);
      return a.open(docker, req, signal);
    },
  };
  const resolve = async (): Promise<TargetResolution> => {
    const targets: LogTarget[] = [];
    for (const [server, ws] of wanted) {
      const r = await resolveOnServer(conns.get(server)!, ws);
      if (!r.ok) return { ...r, error: `${server}: ${r.error}` };
      targets.push(...r.targets.map((t) => ({ ...t, id: `${server}${SEP}${t.id}`, tag: `${server}:${t.tag}` })));
    }
    return { ok: true, targets };
  };
  const used = [...wanted.keys()].map((s) => conns.get(s)!);
  const store = new LogStore({
    api,
    resolve,
    // One server back is a reason to retry its streams; the others' retries wait on their own.
    connection: {
      onReconnected: (l) => {
        const offs = used.map((c) => c.onReconnected(l));
        return () => offs.forEach((off) => off());
      },
      isConnected: () => used.some((c) => c.state.getSnapshot().state.status === 'connected'),
    },
  });
  return logsFeatureOf(store);
}
