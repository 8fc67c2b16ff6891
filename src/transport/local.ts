/**
 * Local mode: opsdeck runs on the server itself (an operator SSHed in and started it there), so
 * Docker is the local socket and commands run as child processes, argv straight to execve via
 * execa: no shell, nothing to quote. Same ServerConnection shape as over SSH.
 */
import Dockerode from 'dockerode';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectionStore } from './connection-store.js';
import { ConnectError } from './connect-errors.js';
import { rawPing } from './raw-get.js';
import { boundRequests } from './bounded-requests.js';
import { execBounds, execTimeoutMessage, type ExecOptions, type ExecResult, type ExecStream } from './exec-types.js';
import type { LocalTarget } from './target.js';

// Loaded on first use: only local mode runs child processes, and every SSH command would
// otherwise parse and initialise execa at start-up for nothing.
const loadExeca = () => import('execa').then((m) => m.execa);

export function localDocker(socketPath: string): Dockerode {
  return boundRequests(new Dockerode({ socketPath }));
}

/** A connection to the local Docker socket, once it is connected. */
export function localSocket(socketPath: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    sock.once('connect', () => {
      sock.removeListener('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

export async function localExec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  if (argv.length === 0) throw new Error('exec needs at least a program name');
  const execa = await loadExeca();
  const { maxBuffer, timeoutMs } = execBounds(opts);
  const r = await execa(argv[0]!, argv.slice(1), {
    reject: false,
    stripFinalNewline: false,
    maxBuffer,
    ...(opts.stdin !== undefined ? { input: opts.stdin } : { stdin: 'ignore' as const }),
    timeout: timeoutMs,
  });
  if (r.timedOut) throw new Error(execTimeoutMessage(argv, timeoutMs));
  if (r.isMaxBuffer) throw new Error(`'${argv[0]}' wrote more than ${maxBuffer} bytes`);
  // ENOENT and friends: report like a shell would (127), so callers handle one shape.
  if (r.failed && r.exitCode === undefined && r.signal === undefined) {
    return { code: 127, stdout: '', stderr: `${argv[0]}: ${r.originalMessage ?? 'cannot run'}\n` };
  }
  return {
    code: r.exitCode ?? null,
    ...(r.signal ? { signal: r.signal.replace(/^SIG/, '') } : {}),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
  };
}

export async function localExecStream(argv: readonly string[], opts: Pick<ExecOptions, 'stdin'> = {}): Promise<ExecStream> {
  if (argv.length === 0) throw new Error('exec needs at least a program name');
  const execa = await loadExeca();
  const child = execa(argv[0]!, argv.slice(1), { reject: false, buffer: false, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  const done = child.then((r) => ({ code: r.exitCode ?? null, ...(r.signal ? { signal: r.signal.replace(/^SIG/, '') } : {}) }));
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    wait: () => done,
    kill: () => {
      child.kill('SIGTERM');
    },
  };
}

/**
 * Ping the local daemon; a missing socket or a permission problem becomes a one-line error. A raw
 * GET /_ping, as over SSH: a command that never needs Node's HTTP client does not start it.
 */
export async function pingLocal(target: LocalTarget): Promise<void> {
  try {
    const answer = await rawPing(await localSocket(target.socketPath));
    if (answer !== 'OK') throw new Error(answer);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') {
      throw new ConnectError('docker', `permission denied on the Docker socket ${target.socketPath}`, {
        hint: 'Add your user to the docker group (sudo usermod -aG docker $USER, then log in again); membership is root-equivalent. Or run opsdeck as root.',
        retryable: false,
      });
    }
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      throw new ConnectError('docker', `no Docker daemon answers at ${target.socketPath}`, {
        hint: 'Is Docker running here? Use --socket PATH (rootless: /run/user/UID/docker.sock) or --host to reach a server over SSH.',
      });
    }
    throw new ConnectError('docker', `Docker at ${target.socketPath}: ${(err as Error)?.message ?? String(err)}`);
  }
}

export function localStore(target: LocalTarget): ConnectionStore {
  const store = new ConnectionStore(target.label);
  return store;
}
