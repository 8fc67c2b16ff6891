/**
 * What the log follower needs from Docker, as an interface: the dockerode implementation
 * below for real servers (over the one SSH connection, or the local socket), and plain fakes in
 * unit tests.
 */
import type Dockerode from 'dockerode';
import type { Readable } from 'node:stream';

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

export function dockerLogApi(docker: Dockerode): LogApi {
  return {
    async inspect(id) {
      const c = await docker.getContainer(id).inspect();
      return { tty: c.Config?.Tty === true, running: c.State?.Running === true || c.State?.Restarting === true };
    },
    open(id, req, signal) {
      const options: Record<string, string | number | boolean> = { stdout: true, stderr: true, timestamps: true, follow: req.follow };
      if (req.since !== undefined) options.since = req.since;
      if (req.tail !== undefined) options.tail = req.tail;
      return new Promise((resolve, reject) => {
        // modem.dial rather than container.logs(): that buffers the whole answer unless following.
        docker.modem.dial(
          {
            path: `/containers/${encodeURIComponent(id)}/logs?`,
            method: 'GET',
            options,
            isStream: true,
            abortSignal: signal,
            statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          } as Parameters<Dockerode['modem']['dial']>[0],
          (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as Readable)),
        );
      });
    },
  };
}
