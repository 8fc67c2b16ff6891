import type Dockerode from 'dockerode';
import { DockerEventSchema, type DockerEvent } from './schemas.js';
import { DockerAnswerError } from '../transport/answer-error.js';

export interface EventStreamHandle {
  stop(): void;
}

/**
 * Follow Docker's events for containers. The API sends one JSON object per line, but chunks do
 * not respect lines, so bytes are buffered up to the newline. `since` (seconds, from the last
 * event seen) lets a caller resume after a reconnect without missing what happened meanwhile.
 */
export async function followContainerEvents(
  docker: Dockerode,
  onEvent: (ev: DockerEvent) => void,
  opts: { since?: number; until?: number; actions?: readonly string[]; onEnd?: (err?: Error) => void } = {},
): Promise<EventStreamHandle> {
  // `actions` narrows the stream on the server. A health check alone is three exec_* events of a
  // kilobyte or more (every label rides along) per container per interval: most of the traffic
  // on a quiet server. dockerd matches health_status by prefix ("health_status: healthy") as
  // soon as the list holds it; the other names match exactly.
  const filters = opts.actions?.length ? { type: ['container'], event: [...opts.actions] } : { type: ['container'] };
  const query: Record<string, string | number> = { filters: JSON.stringify(filters) };
  if (opts.since !== undefined) query.since = opts.since;
  if (opts.until !== undefined) query.until = opts.until;
  const stream = (await docker.getEvents(query as Dockerode.GetEventsOptions)) as NodeJS.ReadableStream & { destroy(): void };
  let buf = '';
  let stopped = false;
  stream.setEncoding?.('utf8');
  stream.on('data', (chunk: string | Buffer) => {
    buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    // A server that never sends a newline must not grow this without bound.
    if (buf.length > 1 << 20) buf = '';
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        continue;
      }
      const ev = DockerEventSchema.safeParse(json);
      if (ev.success) onEvent(ev.data);
    }
  });
  const end = (err?: Error) => {
    if (stopped) return;
    stopped = true;
    opts.onEnd?.(err);
  };
  stream.on('error', (e: Error) => end(e));
  stream.on('end', () => end());
  stream.on('close', () => end());
  return {
    stop() {
      stopped = true;
      stream.destroy();
    },
  };
}

/**
 * At most this many events of a replay are kept: the newest, which are what a restart-loop check
 * needs (dockerd itself remembers 256; a server that sends more is not to be believed anyway).
 */
export const REPLAY_MAX = 4096;
/**
 * A replay of the past ends at once on Docker; one that does not end is given up (the caller goes
 * on without it), and one that never stops sending is read no further than this many events.
 */
const REPLAY_DEADLINE_MS = 10_000;
const REPLAY_READ_MAX = 20_000;

export interface ReplayedEvents {
  /** The newest events read, oldest first. */
  events: DockerEvent[];
  /** How many older events were let go to keep within the limit. */
  dropped: number;
}

/** Events between two server times (seconds): the stream ends by itself at `until`. */
export function readContainerEvents(docker: Dockerode, since: number, until: number, actions?: readonly string[], max = REPLAY_MAX): Promise<ReplayedEvents> {
  return new Promise((resolve, reject) => {
    let events: DockerEvent[] = [];
    let seen = 0;
    let handle: EventStreamHandle | undefined;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      handle?.stop();
      if (err) return reject(err);
      if (events.length > max) events = events.slice(-max);
      resolve({ events, dropped: seen - events.length });
    };
    const timer = setTimeout(() => finish(new DockerAnswerError(`Docker did not end the event replay within ${REPLAY_DEADLINE_MS / 1000} s`)), REPLAY_DEADLINE_MS);
    const keep = (ev: DockerEvent) => {
      seen++;
      events.push(ev);
      // Trimmed in batches, so dropping the oldest is not a shift per event.
      if (events.length >= 2 * max) events = events.slice(-max);
      if (seen >= REPLAY_READ_MAX) finish();
    };
    followContainerEvents(docker, keep, { since, until, ...(actions ? { actions } : {}), onEnd: (err) => finish(err) }).then((h) => {
      handle = h;
      if (done) h.stop();
    }, finish);
  });
}
