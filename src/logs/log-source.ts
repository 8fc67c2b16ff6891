/**
 * What the log follower needs from Docker, as an interface: the dockerode implementation
 * below for real servers (over the one SSH connection, or the local socket), and plain fakes in
 * unit tests.
 */
import type { Readable } from 'node:stream';
import { pinnedApiVersion } from '../docker/api-version.js';
import { rawGet } from '../transport/raw-get.js';
import type { ServerConnection } from '../transport/connection.js';

export interface LogStreamRequest {
  follow: boolean;
  /** Docker's "seconds.nanoseconds" (inclusive). */
  since?: string;
  /** Last N messages; undefined for all. */
  tail?: number;
}

export interface ContainerLogInfo {
  tty: boolean;
  running: boolean;
}

export interface LogApi {
  inspect(id: string): Promise<ContainerLogInfo>;
  /** The raw logs response (timestamps on, stdout and stderr): frames, or bytes for a TTY. */
  open(id: string, req: LogStreamRequest, signal: AbortSignal): Promise<Readable>;
}

/** Docker as the follower needs it: dockerode for inspect, a raw socket for the log stream (raw-get.ts). */
export type LogConnection = Pick<ServerConnection, 'docker' | 'openDockerSocket'>;

export function dockerLogApi(conn: LogConnection): LogApi {
  return {
    async inspect(id) {
      const c = await conn.docker.getContainer(id).inspect();
      return { tty: c.Config?.Tty === true, running: c.State?.Running === true || c.State?.Restarting === true };
    },
    async open(id, req, signal) {
      const query = new URLSearchParams({ stdout: '1', stderr: '1', timestamps: '1', follow: req.follow ? '1' : '0' });
      if (req.since !== undefined) query.set('since', req.since);
      if (req.tail !== undefined) query.set('tail', String(req.tail));
      // The API version dockerode was pinned to, if any (grid-store negotiates it), like its requests.
      const version = pinnedApiVersion(conn.docker);
      const path = `${version ? `/v${version}` : ''}/containers/${encodeURIComponent(id)}/logs?${query.toString()}`;
      if (signal.aborted) throw new Error('the request was aborted');
      const socket = await conn.openDockerSocket();
      return (await rawGet(socket, path, signal)).body;
    },
  };
}
