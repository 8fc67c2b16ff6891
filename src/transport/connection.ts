/**
 * connect(): the one call the TUI and the CLI make to reach a server. It returns the same shape
 * for SSH and local mode: dockerode for the Docker API, exec for server commands, the
 * connection store for the status bar, and onReconnected for streams to resume.
 */
import Dockerode from 'dockerode';
import type { Duplex } from 'node:stream';
import { ConnectionStore, type DockerPath } from './connection-store.js';
import { sanitise } from '../text/sanitise.js';
import type { StepListener } from './carrier.js';
import { ConnectError } from './connect-errors.js';
import { DockerTunnel, TunnelAgent, type TunnelPath } from './docker-agent.js';
import type { ExecOptions, ExecResult, ExecStream } from './exec-types.js';
import { boundRequests } from './bounded-requests.js';
import { localDocker, localExec, localExecStream, localSocket, pingLocal } from './local.js';
import type { Prompter } from './prompter.js';
import type { BackoffOptions } from './reconnect.js';
import { SshSession, type HopInfo } from './ssh-session.js';
import type { LocalTarget, SshTarget, Target } from './target.js';

export interface ServerConnection {
  readonly target: Target;
  /** Docker API; over SSH every request is a channel on the one connection. */
  readonly docker: Dockerode;
  /** How the Docker API is reached right now. */
  readonly path: DockerPath;
  /** Connection state for the UI (subscribe/getSnapshot). */
  readonly state: ConnectionStore;
  /** A raw stream to the Docker socket (for responses Node's HTTP client handles slowly: raw-get.ts). */
  openDockerSocket(): Promise<Duplex>;
  /** Run argv on the server (local: as a child process) and collect output. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Streaming variant for long or binary outputs. */
  execStream(argv: readonly string[], opts?: Pick<ExecOptions, 'stdin'>): Promise<ExecStream>;
  /** Called after each reconnect, once the connection is usable again. Returns an unsubscribe. */
  onReconnected(listener: () => void): () => void;
  /** Skip the current backoff wait, or try again after `failed`. */
  retryNow(): void;
  /** What each hop said (server version, host key, auth method); empty for local mode. */
  hops(): HopInfo[];
  /** Why the Docker API goes through dial-stdio, when it does. */
  readonly fallbackReason: string | undefined;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** ProxyCommand environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  onStep?: StepListener;
  /** Check the Docker API answers before resolving (default true). */
  pingDocker?: boolean;
  /** Force the dial-stdio route (mostly for tests and benchmarks). */
  forcePath?: TunnelPath;
  backoff?: BackoffOptions;
  reconnect?: boolean;
  debug?: (line: string) => void;
}

export async function connect(target: Target, prompter: Prompter, opts: ConnectOptions = {}): Promise<ServerConnection> {
  if (target.kind === 'local') return connectLocal(target, opts);
  return connectSsh(target, prompter, opts);
}

async function connectLocal(target: LocalTarget, opts: ConnectOptions): Promise<ServerConnection> {
  const docker = localDocker(target.socketPath);
  const state = new ConnectionStore(target.label);
  if (opts.pingDocker !== false) {
    try {
      await pingLocal(target);
    } catch (err) {
      state.failed((err as Error).message);
      throw err;
    }
  }
  state.connected('local');
  return {
    target,
    docker,
    path: 'local',
    state,
    openDockerSocket: () => localSocket(target.socketPath),
    exec: (argv, o) => localExec(argv, o),
    execStream: (argv, o) => localExecStream(argv, o),
    onReconnected: (l) => state.onReconnected(l),
    retryNow: () => undefined,
    hops: () => [],
    fallbackReason: undefined,
    close: async () => {
      state.closed();
    },
  };
}

async function connectSsh(target: SshTarget, prompter: Prompter, opts: ConnectOptions): Promise<ServerConnection> {
  const session = new SshSession(target, prompter, {
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.onStep ? { onStep: opts.onStep } : {}),
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    ...(opts.reconnect !== undefined ? { reconnect: opts.reconnect } : {}),
    ...(opts.debug ? { debug: opts.debug } : {}),
  });
  await session.open();
  const tunnel = new DockerTunnel(session, target.socketPath, opts.forcePath ? { forcePath: opts.forcePath } : {});
  const agent = new TunnelAgent(tunnel);
  const docker = dockerOverAgent(agent);
  try {
    // Exec-only callers (provision on a server without Docker yet, unlock check) skip the socket probe.
    if (!opts.forcePath && opts.pingDocker !== false) await tunnel.probe();
    session.dockerPath = tunnel.path;
    session.store.setPath(tunnel.path);
    if (opts.pingDocker !== false) await tunnel.ping();
  } catch (err) {
    agent.destroy();
    await session.close();
    throw dockerUnreachable(target, tunnel, err);
  }
  return {
    target,
    docker,
    get path() {
      return tunnel.path;
    },
    state: session.store,
    openDockerSocket: () => tunnel.open(),
    exec: (argv, o) => session.exec(argv, o),
    execStream: (argv, o) => session.execStream(argv, o),
    onReconnected: (l) => session.onReconnected(l),
    retryNow: () => session.retryNow(),
    hops: () => session.hops,
    get fallbackReason() {
      return tunnel.fallbackReason;
    },
    close: async () => {
      agent.destroy();
      await session.close();
    },
  };
}

/**
 * dockerode on our agent. host/port are placeholders for the Host header; every field docker-modem
 * would otherwise take from DOCKER_HOST / DOCKER_CERT_PATH is set explicitly so the local
 * environment cannot redirect or TLS-wrap the tunnel.
 */
export function dockerOverAgent(agent: TunnelAgent): Dockerode {
  const docker = new Dockerode({
    protocol: 'http',
    host: 'docker',
    port: 80,
    agent,
    ca: undefined,
    cert: undefined,
    key: undefined,
  } as Dockerode.DockerOptions);
  return boundRequests(docker);
}

function dockerUnreachable(target: SshTarget, tunnel: DockerTunnel, err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const base = sanitise((err as Error)?.message ?? String(err));
  const stderr = tunnel.lastDialStdioError ? ` (server said: ${tunnel.lastDialStdioError})` : '';
  return new ConnectError('docker', `${target.label}: the Docker API did not answer through ${tunnel.path}: ${base}${stderr}`, {
    hint: "Run 'opsdeck doctor --host " + target.label + "' to see which step fails.",
  });
}
