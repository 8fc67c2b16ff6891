/**
 * The Docker API over the session's one SSH connection: an http.Agent whose createConnection
 * opens a channel instead of a TCP socket. dockerode/docker-modem send every request through it
 * (docker-modem's own `protocol: 'ssh'` would open a new SSH connection per request).
 *
 * Channels come from one of two places:
 *  - streamlocal: `direct-streamlocal@openssh.com` straight to the Docker socket (OpenSSH's
 *    `ssh -L /local:/var/run/docker.sock` mechanism). Preferred: no process on the server.
 *  - dial-stdio: `docker system dial-stdio` in an exec channel, as `docker -H ssh://` does. Used
 *    when the server refuses stream-local forwarding (AllowStreamLocalForwarding no, or a
 *    server that is not OpenSSH). Needs the docker CLI on the server and uses session slots.
 */
import { inspect } from 'node:util';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { sanitise } from '../text/sanitise.js';
import { ConnectError, ConnectionLostError } from './connect-errors.js';
import { openDialStdio } from './dial-stdio.js';
import { rawPing } from './raw-get.js';
import type { SshSession } from './ssh-session.js';

export type TunnelPath = 'streamlocal' | 'dial-stdio';

/**
 * Node's http client treats its socket as a net.Socket: it calls setKeepAlive, setNoDelay,
 * setTimeout, ref and unref. An ssh2 channel has none of them (ssh2's lib/http-agents.js stubs
 * the same ones). setTimeout gets a real idle timer so request timeouts still fire.
 */
export function asHttpSocket(stream: Duplex): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  let idleTimer: NodeJS.Timeout | undefined;
  let idleMs = 0;
  const arm = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = idleMs > 0 ? setTimeout(() => stream.emit('timeout'), idleMs) : undefined;
  };
  stream.on('data', () => {
    if (idleMs > 0) arm();
  });
  stream.once('close', () => {
    if (idleTimer) clearTimeout(idleTimer);
  });
  // Defensive: once both directions are finished (the daemon closed, ssh2 ended our side), the
  // channel is of no more use; destroy it so the agent can never hand it to another request.
  // A half-closed stream (exec stdin at EOF, output still coming) keeps its read side and stays.
  stream.on('finish', () => {
    const rs = (stream as unknown as { _readableState?: { ended?: boolean } })._readableState;
    if (rs?.ended && !stream.destroyed) stream.destroy();
  });
  s.setKeepAlive = () => stream;
  s.setNoDelay = () => stream;
  s.ref = () => stream;
  s.unref = () => stream;
  s.setTimeout = (ms: number, cb?: () => void) => {
    idleMs = ms;
    s.timeout = ms;
    if (cb) stream.once('timeout', cb);
    arm();
    return stream;
  };
  s.destroySoon = () => stream.destroy();
  return stream;
}

export interface TunnelOptions {
  /** Use this route without probing (tests, benchmarks, or a server known to refuse stream-local). */
  forcePath?: TunnelPath;
}

/**
 * Opens Docker API streams to `socketPath` on the server, by the route probe() chose.
 *
 * Why probe instead of reading the refusal: OpenSSH answers a refused stream-local channel and a
 * socket it cannot connect to with the same "open failed" (reason 2), so the two are told apart
 * by trying dial-stdio on the same socket: if the docker CLI, running as the same user, reaches
 * the daemon, the socket is fine and it is sshd that says no. The route is then kept for the
 * session (a daemon restarting must not flip it).
 */
export class DockerTunnel {
  path: TunnelPath;
  /** Why we are on dial-stdio, if we are. */
  fallbackReason: string | undefined;
  /** Last line dial-stdio printed on stderr (docker CLI missing, permission denied). */
  lastDialStdioError: string | undefined;
  readonly session: SshSession;
  readonly socketPath: string;

  /** The route decision, made once: up front by connect(), or by the first stream when connect() skipped it. */
  #decided: Promise<TunnelPath> | undefined;
  /** The channel the probe opened, kept for the first stream asked for (one round trip less). */
  #spare: Duplex | undefined;
  /** The probe just pinged through dial-stdio: the next ping() has nothing to learn. */
  #pingedByProbe = false;

  constructor(session: SshSession, socketPath: string, opts: TunnelOptions = {}) {
    this.session = session;
    this.socketPath = socketPath;
    this.path = opts.forcePath ?? 'streamlocal';
    if (opts.forcePath) this.#decided = Promise.resolve(opts.forcePath);
    if (opts.forcePath === 'dial-stdio') this.fallbackReason = 'chosen explicitly';
  }

  /** Pick the route: stream-local if a channel to the socket opens, else dial-stdio if that answers /_ping. */
  probe(): Promise<TunnelPath> {
    const p = this.#probe();
    this.#decided = p;
    // A failed probe may be tried again by the next stream (the daemon may have been down).
    p.catch(() => {
      if (this.#decided === p) this.#decided = undefined;
    });
    return p;
  }

  async #probe(): Promise<TunnelPath> {
    let streamLocalError: unknown;
    try {
      const ch = await this.session.openStreamLocal(this.socketPath);
      this.#spare?.destroy();
      this.#spare = ch;
      this.path = 'streamlocal';
      return this.path;
    } catch (err) {
      if (err instanceof ConnectionLostError) throw err;
      streamLocalError = err;
    }
    let pingError: string | undefined;
    try {
      const stream = await this.openDialStdio();
      const answer = await rawPing(stream);
      if (answer === 'OK') {
        this.#pingedByProbe = true;
        this.path = 'dial-stdio';
        this.fallbackReason = `the server refused the stream-local channel to ${this.socketPath} (${describeOpenFailure(streamLocalError)}), but dial-stdio reaches the daemon: AllowStreamLocalForwarding is off, or the server is not OpenSSH`;
        return this.path;
      }
      pingError = answer;
    } catch (err) {
      if (err instanceof ConnectionLostError) throw err;
      pingError = describeOpenFailure(err);
    }
    const said = this.lastDialStdioError ? `; dial-stdio said: ${this.lastDialStdioError}` : pingError ? `; dial-stdio: ${pingError}` : '';
    throw socketError(this.session.target.label, this.socketPath, streamLocalError, said);
  }

  /**
   * GET /_ping through the chosen route; rejects with what came back instead of OK. Raw, not
   * dockerode's: a command that never needs Node's HTTP client (`opsdeck logs`) then never
   * pays for starting it.
   */
  async ping(): Promise<void> {
    // A second dial-stdio would start another docker CLI on the server only to say OK again.
    if (this.#pingedByProbe) {
      this.#pingedByProbe = false;
      return;
    }
    const answer = await rawPing(await this.open());
    if (answer !== 'OK') throw new Error(answer);
  }

  async open(): Promise<Duplex> {
    await (this.#decided ?? this.probe());
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare && !spare.destroyed && this.path === 'streamlocal') return spare;
    spare?.destroy();
    if (this.path === 'streamlocal') {
      return this.session.openStreamLocal(this.socketPath).catch((err: unknown) => {
        throw err instanceof ConnectionLostError ? err : socketError(this.session.target.label, this.socketPath, err, '');
      });
    }
    return this.openDialStdio();
  }

  private openDialStdio(): Promise<Duplex> {
    return openDialStdio(this.session, this.socketPath, (line) => {
      this.lastDialStdioError = line;
    });
  }
}

function describeOpenFailure(err: unknown): string {
  return sanitise(((err as Error)?.message ?? String(err)).replace(/^\(SSH\) Channel open failure: /, ''));
}

function socketError(label: string, socketPath: string, err: unknown, extra: string): ConnectError {
  return new ConnectError('docker', `${label}: cannot open the Docker socket ${socketPath} (${describeOpenFailure(err)}${extra})`, {
    hint: `Check that Docker runs there (--socket for another path, e.g. rootless /run/user/UID/docker.sock) and that the login user may use it; 'opsdeck doctor' tells which.`,
  });
}

/** An http.Agent for dockerode whose connections are tunnel streams. */
export class TunnelAgent extends http.Agent {
  #tunnel: DockerTunnel;

  constructor(tunnel: DockerTunnel, opts: http.AgentOptions = {}) {
    // Keep-alive: a finished request leaves its channel open for the next one (saves a round trip).
    super({ keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 4, ...opts });
    this.#tunnel = tunnel;
  }

  // docker-modem formats every request's options with util.inspect({ depth: null, showHidden })
  // even when its debug output is off; without this it walks the whole SSH client each time
  // (measured: most of the CPU of `opsdeck status` over SSH, and seconds for 30 inspects).
  [inspect.custom](): string {
    return 'TunnelAgent';
  }

  override createConnection(_options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    this.#tunnel.open().then(
      (stream) => callback?.(null, asHttpSocket(stream)),
      (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex),
    );
    return undefined;
  }
}
