/**
 * One long-lived SSH session per server: the chain of ssh2 Clients (jump hops, then the
 * server), keepalives, and reconnecting with backoff when the connection drops. Everything else
 * (the Docker agent, exec) opens channels on `client()`; nothing here opens a second TCP
 * connection while one is up.
 *
 * After a drop the store says `reconnecting, attempt N, next in Ns`; when the session is back,
 * the store's onReconnected listeners run so streams can resume. Reconnects accept only the host
 * keys this session accepted the first time, and reuse keys already decrypted. A changed key or
 * a refused login stops the retries (state `failed`); retryNow() skips the wait.
 */
import type { Duplex } from 'node:stream';
import type { Channel, ClientChannel, Client as ClientType } from 'ssh2';
import { UserError } from '../errors.js';
import { sanitise } from '../text/sanitise.js';
import { ConnectionStore } from './connection-store.js';
import { installAckNudge } from './ack-nudge.js';
import { batchWrites } from './write-batch.js';
import { coalesceReads } from './coalesce-reads.js';
import { type KeyCache } from './auth.js';
import { dialTcp, forwardThrough, spawnProxyCommand, type StepListener } from './carrier.js';
import { ChannelSlots } from './channel-slots.js';
import { ConnectError, ConnectionLostError } from './connect-errors.js';
import { execBounds, execTimeoutMessage, type ExecOptions, type ExecResult, type ExecStream } from './exec-types.js';
import { sshHandshake, type HandshakeResult } from './handshake.js';
import type { HostKeyOutcome } from './host-key-policy.js';
import type { Prompter } from './prompter.js';
import { backoffDelay, cancellableSleep, type BackoffOptions } from './reconnect.js';
import { shellCommand } from './shell-quote.js';
import { endpointLabel, hopChain, type SshTarget } from './target.js';

export interface SessionOptions {
  /** Environment for ProxyCommand (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Step-by-step progress of each connect (doctor prints it). */
  onStep?: StepListener;
  /** Reconnect after a drop (default true). */
  reconnect?: boolean;
  backoff?: BackoffOptions;
  /** ssh2 debug lines (OPSDECK_DEBUG); never includes secrets. */
  debug?: (line: string) => void;
  /** Session channels allowed at once (default 9, under sshd's default MaxSessions of 10). */
  maxSessions?: number;
}

export interface HopInfo {
  hop: string;
  serverVersion: string;
  hostKey: HostKeyOutcome;
  auth: string;
}

export class SshSession {
  readonly target: SshTarget;
  readonly store: ConnectionStore;
  /** Per hop, after each successful connect. */
  hops: HopInfo[] = [];
  /** Set by the Docker layer so `connected` states carry the path. */
  dockerPath: 'streamlocal' | 'dial-stdio' | undefined;

  #prompter: Prompter;
  #opts: SessionOptions;
  #keyCache: KeyCache = new Map();
  #pinned = new Map<string, Buffer>();
  #chain: ClientType[] = [];
  #client: ClientType | undefined;
  #generation = 0;
  #closing = false;
  #sleep: ReturnType<typeof cancellableSleep> | undefined;
  #slots: ChannelSlots;
  #reconnecting = false;
  #watchdog: NodeJS.Timeout | undefined;
  /** The first hop's socket (TCP or ProxyCommand): what carries the whole chain. */
  #sock: Duplex | undefined;
  /** TCP (or ProxyCommand) connections opened by this session, for the benchmark and tests. */
  connectsMade = 0;

  constructor(target: SshTarget, prompter: Prompter, opts: SessionOptions = {}, store?: ConnectionStore) {
    this.target = target;
    this.#prompter = prompter;
    this.#opts = opts;
    this.store = store ?? new ConnectionStore(target.label);
    // One below sshd's default MaxSessions (10): a slot we just freed may still count there.
    this.#slots = new ChannelSlots(opts.maxSessions ?? 9);
  }

  /** First connect. Rejects with a ConnectError; no retries (the user is right there to read why). */
  async open(): Promise<void> {
    this.store.connecting();
    try {
      await this.#establish();
    } catch (err) {
      const e = err instanceof ConnectError ? err : new ConnectError('handshake', sanitise((err as Error)?.message ?? String(err)));
      this.store.failed(e.message, e.hint);
      throw e;
    }
    this.store.connected(this.dockerPath);
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** The ready client, or a ConnectionLostError while down. */
  client(): ClientType {
    if (!this.#client) throw new ConnectionLostError(this.target.label, this.#closing ? 'the connection was closed' : 'the connection is down');
    return this.#client;
  }

  onReconnected(listener: () => void): () => void {
    return this.store.onReconnected(listener);
  }

  /** Skip the backoff wait (a "retry now" key), or restart after `failed`. */
  retryNow(): void {
    if (this.#closing) return;
    if (this.#sleep) this.#sleep.wake();
    else if (!this.#client && !this.#reconnecting) void this.#reconnectLoop('retry requested');
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#sleep?.cancel();
    clearInterval(this.#watchdog);
    const chain = this.#chain;
    const sock = this.#sock;
    this.#chain = [];
    this.#client = undefined;
    this.#sock = undefined;
    await Promise.all(chain.reverse().map((c) => endClient(c)));
    // ssh2's destroy() does nothing once end() was called, and end() waits until the server has
    // read what we sent: a frozen server never does, and the open socket kept the process alive
    // after quit. The socket goes by our hand.
    sock?.destroy();
    this.store.closed();
  }

  async #establish(): Promise<void> {
    const hops = hopChain(this.target);
    const clients: ClientType[] = [];
    const infos: HopInfo[] = [];
    const onStep = this.#opts.onStep;
    try {
      for (let i = 0; i < hops.length; i++) {
        const hop = hops[i]!;
        const label = endpointLabel(hop);
        let sock: Duplex;
        if (i === 0) {
          this.connectsMade++;
          sock =
            hop.via.kind === 'command'
              ? spawnProxyCommand(hop.via.command, label, this.#opts.env ?? process.env, onStep)
              : await dialTcp(hop.host, hop.port, hop.connectTimeoutMs, label, onStep);
        } else {
          sock = await forwardThrough(clients[i - 1]!, hop.host, hop.port, label, onStep);
        }
        const pinned = this.#pinned.get(label);
        const r: HandshakeResult = await sshHandshake(hop, sock, this.#prompter, {
          keyCache: this.#keyCache,
          ...(pinned ? { pinnedKey: pinned } : {}),
          ...(onStep ? { onStep } : {}),
          ...(this.#opts.debug ? { debug: this.#opts.debug } : {}),
        });
        this.#pinned.set(label, r.hostKeyBlob);
        if (i === 0) {
          this.#watchSilence(sock, hop.keepaliveIntervalMs);
          this.#sock = sock;
        }
        batchWrites(sock);
        installAckNudge(r.client, sock, r.serverVersion);
        clients.push(r.client);
        infos.push({ hop: label, serverVersion: r.serverVersion, hostKey: r.hostKey, auth: r.auth });
        if (i === hops.length - 1 && r.banner) this.store.setBanner(r.banner);
      }
    } catch (err) {
      await Promise.all(clients.reverse().map((c) => endClient(c)));
      throw err;
    }
    if (this.#closing) {
      await Promise.all(clients.reverse().map((c) => endClient(c)));
      throw new ConnectionLostError(this.target.label, 'the connection was closed');
    }
    const generation = ++this.#generation;
    let lastError: string | undefined;
    for (const c of clients) {
      // ssh2 emits 'error' then 'close'; keep the error's words for the reconnecting state.
      c.on('error', (err: Error) => {
        lastError = sanitise(err?.message ?? String(err));
      });
      c.once('close', () => this.#onDrop(generation, lastError));
    }
    this.#chain = clients;
    this.#client = clients[clients.length - 1];
    this.hops = infos;
  }

  /**
   * ssh2 sends a keepalive every interval and gives up only after countMax of them went
   * unanswered (45 s by default): until then a frozen server looks connected. A healthy server
   * answers each keepalive within a round trip, so nothing at all for one interval and a
   * little more is a stall, shown on the status line while ssh2 keeps waiting.
   */
  #watchSilence(sock: Duplex, intervalMs: number): void {
    clearInterval(this.#watchdog);
    let lastHeard = Date.now();
    sock.on('data', () => {
      lastHeard = Date.now();
      if (this.#client && this.store.getSnapshot().state.status === 'connected') this.store.silent(undefined);
    });
    const limit = intervalMs + SILENCE_GRACE_MS;
    const timer = setInterval(() => {
      if (sock.destroyed) return clearInterval(timer);
      if (this.#client && Date.now() - lastHeard > limit) this.store.silent(lastHeard);
    }, 1000);
    timer.unref?.();
    this.#watchdog = timer;
  }

  #onDrop(generation: number, lastError: string | undefined): void {
    if (generation !== this.#generation || this.#closing) return;
    const chain = this.#chain;
    this.#chain = [];
    this.#client = undefined;
    // The whole chain goes: a jump hop without its target is of no use.
    for (const c of chain) void endClient(c);
    if (this.#opts.reconnect === false) {
      this.store.failed(lastError ? `connection lost: ${lastError}` : 'connection lost');
      return;
    }
    void this.#reconnectLoop(lastError ?? 'connection lost');
  }

  async #reconnectLoop(firstError: string): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    let lastError = firstError;
    try {
      for (let attempt = 1; !this.#closing; attempt++) {
        const delay = backoffDelay(attempt, this.#opts.backoff);
        this.store.reconnecting(attempt, delay, lastError);
        this.#sleep = cancellableSleep(delay);
        const woke = await this.#sleep.done;
        this.#sleep = undefined;
        if (woke === 'cancelled' || this.#closing) return;
        try {
          await this.#establish();
          this.store.connected(this.dockerPath);
          return;
        } catch (err) {
          if (this.#closing) return;
          const e = err instanceof ConnectError ? err : undefined;
          lastError = sanitise((err as Error)?.message ?? String(err));
          if (e && !e.retryable) {
            this.store.failed(e.message, e.hint);
            return;
          }
        }
      }
    } catch (err) {
      // Nothing in the loop should throw; if it does, say so instead of an unhandled rejection.
      this.store.failed(sanitise((err as Error)?.message ?? String(err)));
    } finally {
      this.#reconnecting = false;
    }
  }

  /** A direct-streamlocal@openssh.com channel to a unix socket on the server. */
  openStreamLocal(socketPath: string): Promise<ClientChannel> {
    return this.#openChannel(
      (client, done) => client.openssh_forwardOutStreamLocal(socketPath, done),
      (err) => err,
    ).then((ch) => {
      coalesceReads(ch);
      return ch;
    });
  }

  /** An exec channel for a command line already built by shellCommand(); holds a session slot until closed. */
  async openExec(command: string): Promise<ClientChannel> {
    const release = await this.#slots.acquire();
    try {
      // sshd frees a session only once it has processed our close and its child has exited, a
      // little after our side saw 'close'; a refusal right then is worth a short wait and retry.
      for (let attempt = 0; ; attempt++) {
        try {
          const ch = await this.#execOnce(command);
          ch.once('close', release);
          return ch;
        } catch (err) {
          if (!(err instanceof ExecChannelRefused) || attempt >= EXEC_OPEN_RETRIES) throw err;
          await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
        }
      }
    } catch (err) {
      release();
      throw err;
    }
  }

  #execOnce(command: string): Promise<ClientChannel> {
    return this.#openChannel(
      (client, done) => client.exec(command, done),
      (err) => new ExecChannelRefused(this.target.label, sanitise(err.message.replace(/^\(SSH\) Channel open failure: /, ''))),
    );
  }

  /** A channel on the current client, closed with it; a client already gone is a lost connection. */
  #openChannel(
    open: (client: ClientType, done: (err: Error | undefined, ch: ClientChannel) => void) => void,
    refused: (err: Error) => Error,
  ): Promise<ClientChannel> {
    return new Promise<ClientChannel>((resolve, reject) => {
      let client: ClientType;
      try {
        client = this.client();
      } catch (err) {
        return reject(err);
      }
      try {
        open(client, (err, ch) => (err ? reject(refused(err)) : resolve(dieWith(client, ch))));
      } catch {
        reject(new ConnectionLostError(this.target.label));
      }
    });
  }

  /** Run argv on the server and collect its output. */
  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const ch = await this.openExec(shellCommand(argv));
    return collectChannel(ch, opts, this.target.label, argv);
  }

  /** Run argv on the server with streaming stdin/stdout/stderr (backups, long outputs). */
  async execStream(argv: readonly string[], opts: Pick<ExecOptions, 'stdin'> = {}): Promise<ExecStream> {
    const ch = await this.openExec(shellCommand(argv));
    return channelExecStream(ch, opts, this.target.label);
  }
}

/**
 * When the connection dies, ssh2 ends a channel's readable side but only emits 'close' once
 * someone has read to the end; a channel nobody reads (an idle keep-alive socket in the http
 * agent, an exec whose output was abandoned) would never close, and the next request on it
 * would hang. Destroying every channel with its client makes them all close.
 */
function dieWith<T extends ClientChannel>(client: ClientType, ch: T): T {
  const kill = () => ch.destroy();
  client.setMaxListeners(0);
  client.once('close', kill);
  ch.once('close', () => client.off('close', kill));
  return ch;
}

const EXEC_OPEN_RETRIES = 4;
/** How late a keepalive answer may be before the connection counts as stalled. */
const SILENCE_GRACE_MS = 2000;

class ExecChannelRefused extends UserError {
  constructor(label: string, reason: string) {
    super(`${label}: the server refused a command channel (${reason})`, {
      hint: 'sshd may limit sessions per connection (MaxSessions) or forbid commands for this key (a forced command in authorized_keys).',
    });
    this.name = 'ExecChannelRefused';
  }
}

function endClient(c: ClientType): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    const t = setTimeout(() => {
      try {
        c.destroy();
      } catch {
        /* gone */
      }
      resolve();
    }, 1000);
    c.once('close', () => {
      clearTimeout(t);
      done();
    });
    try {
      c.end();
    } catch {
      clearTimeout(t);
      done();
    }
  });
}

/**
 * The command's exit, from the channel's 'close' event: ssh2 emits it only after stdout has
 * ended (so no output is lost) with the exit status it recorded, even if the status arrived in
 * the same packet batch as the exec reply, before any listener of ours existed. -1 = no exit
 * status at all (the connection went away).
 */
function exitOf(ch: Channel): Promise<{ code: number | null; signal?: string }> {
  return new Promise((resolve) => {
    ch.once('close', (code?: number | null, signal?: string) => {
      if (typeof code === 'number') resolve({ code });
      else if (signal) resolve({ code: null, signal: String(signal).replace(/^SIG/, '') });
      else resolve({ code: -1 });
    });
  });
}

async function collectChannel(ch: ClientChannel, opts: ExecOptions, label: string, argv: readonly string[]): Promise<ExecResult> {
  const { maxBuffer: max, timeoutMs } = execBounds(opts);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outLen = 0;
  let errLen = 0;
  let overflow = false;
  let timedOut = false;
  // sshd answers our close only once the command has exited, and a command that does not stop
  // (or blocks writing output nobody reads any more) never does: past a bound we stop waiting
  // for the channel instead of waiting for its close.
  let giveUp!: () => void;
  const abandoned = new Promise<null>((resolve) => (giveUp = () => resolve(null)));
  const abandon = () => {
    try {
      ch.signal('TERM');
    } catch {
      /* older servers */
    }
    ch.close();
    giveUp();
  };
  ch.on('data', (d: Buffer) => {
    outLen += d.length;
    if (outLen > max) {
      overflow = true;
      abandon();
    } else out.push(d);
  });
  ch.stderr.on('data', (d: Buffer) => {
    errLen += d.length;
    if (errLen > max) {
      overflow = true;
      abandon();
    } else err.push(d);
  });
  const timer = setTimeout(() => {
    timedOut = true;
    abandon();
  }, timeoutMs);
  const exited = exitOf(ch);
  if (opts.stdin !== undefined) ch.end(opts.stdin);
  else ch.end();
  const r = await Promise.race([exited, abandoned]);
  clearTimeout(timer);
  if (overflow) throw new Error(`'${argv[0] ?? ''}' wrote more than ${max} bytes`);
  if (timedOut || !r) throw new Error(`${label}: ${execTimeoutMessage(argv, timeoutMs)}`);
  // No exit status at all: the channel went down with the connection.
  if (r.code === -1 && !r.signal) throw new ConnectionLostError(label, 'the connection dropped while a command was running');
  return { code: r.code, ...(r.signal ? { signal: r.signal } : {}), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function channelExecStream(ch: ClientChannel, opts: Pick<ExecOptions, 'stdin'>, label: string): ExecStream {
  const exited = exitOf(ch);
  let killed = false;
  if (opts.stdin !== undefined) ch.end(opts.stdin);
  const wait = async () => {
    const r = await exited;
    if (r.code === -1 && !r.signal && killed) return { code: null, signal: 'TERM' };
    if (r.code === -1 && !r.signal) throw new ConnectionLostError(label, 'the connection dropped while a command was running');
    return r;
  };
  // Callers may never call wait(); a dropped connection must not become an unhandled rejection.
  exited.catch(() => undefined);
  return {
    stdin: ch,
    stdout: ch,
    stderr: ch.stderr,
    wait,
    kill: () => {
      killed = true;
      try {
        ch.signal('TERM');
      } catch {
        /* not supported */
      }
      ch.close();
    },
  };
}
