/**
 * The byte stream an SSH session rides on: a TCP connection we dial ourselves (so DNS and TCP
 * show up as their own steps in doctor, and ConnectTimeout applies to exactly that), the stdio
 * of a ProxyCommand, or a direct-tcpip channel through the previous ProxyJump hop. Whatever the
 * route, this machine opens one TCP connection per server.
 */
import { spawn } from 'node:child_process';
import dns from 'node:dns/promises';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { sanitise } from '../text/sanitise.js';
import { ConnectError, classifyConnectError } from './connect-errors.js';

export interface StepReport {
  step: 'dns' | 'tcp' | 'proxy' | 'handshake' | 'host-key' | 'auth';
  /** user@host:port of the hop this is about. */
  hop: string;
  ok: boolean;
  detail: string;
}

export type StepListener = (r: StepReport) => void;

/** Resolve and dial, reporting DNS and TCP as separate steps. */
export async function dialTcp(host: string, port: number, timeoutMs: number, hop: string, onStep?: StepListener): Promise<net.Socket> {
  let address = host;
  if (net.isIP(host) === 0) {
    try {
      const r = await withTimeout(dns.lookup(host), timeoutMs, () => Object.assign(new Error('lookup timed out'), { code: 'EAI_AGAIN' }));
      address = r.address;
    } catch (err) {
      const e = classifyConnectError(err, hop, { timeoutMs });
      onStep?.({ step: 'dns', hop, ok: false, detail: e.message });
      throw e;
    }
    onStep?.({ step: 'dns', hop, ok: true, detail: `${host} → ${address}` });
  } else onStep?.({ step: 'dns', hop, ok: true, detail: `${host} is an address` });

  return new Promise<net.Socket>((resolve, reject) => {
    const sock = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      sock.destroy();
      const e = classifyConnectError(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), hop, { timeoutMs });
      onStep?.({ step: 'tcp', hop, ok: false, detail: e.message });
      reject(e);
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.setNoDelay(true);
      // TCP keepalive as well as SSH keepalives: cheap, and it notices dead peers behind NAT.
      sock.setKeepAlive(true, 30_000);
      onStep?.({ step: 'tcp', hop, ok: true, detail: `connected to ${address}:${port}` });
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      const e = classifyConnectError(err, hop, { timeoutMs });
      onStep?.({ step: 'tcp', hop, ok: false, detail: e.message });
      reject(e);
    });
  });
}

/**
 * Run a ProxyCommand (from the user's own ssh_config, run with the user's shell like ssh does)
 * and use its stdin/stdout as the connection. Its stderr is kept, briefly, for error messages.
 */
export function spawnProxyCommand(command: string, hop: string, env: NodeJS.ProcessEnv, onStep?: StepListener): Duplex & { stderrText(): string } {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString('utf8');
  });
  const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin }) as Duplex & { stderrText(): string };
  duplex.stderrText = () => sanitise(stderr.trim().split('\n').slice(-1)[0] ?? '');
  child.on('error', (err) => {
    onStep?.({ step: 'proxy', hop, ok: false, detail: `ProxyCommand failed to start: ${err.message}` });
    duplex.destroy(new ConnectError('proxy', `${hop}: ProxyCommand failed to start: ${err.message}`, { hint: 'Check the ProxyCommand line in ssh_config.' }));
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) onStep?.({ step: 'proxy', hop, ok: false, detail: `ProxyCommand exited with ${code}${stderr ? `: ${duplex.stderrText()}` : ''}` });
  });
  // Closing the connection must not leave the command running.
  duplex.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  duplex.on('error', () => {
    /* reported through ssh2 ('close' before handshake) and onStep */
  });
  onStep?.({ step: 'proxy', hop, ok: true, detail: `ProxyCommand started (pid ${child.pid ?? '?'})` });
  return duplex;
}

/** A direct-tcpip channel from the previous hop to the next host (ssh -J). */
export function forwardThrough(client: Client, host: string, port: number, hop: string, onStep?: StepListener): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    try {
      client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
        if (err) {
          const reason = err.message.replace(/^\(SSH\) Channel open failure: /, '');
          const e = new ConnectError('proxy', `${hop}: the jump host could not reach ${host}:${port} (${sanitise(reason)})`, {
            hint: 'Check the name and port as seen from the jump host, and that it allows TCP forwarding (AllowTcpForwarding).',
          });
          onStep?.({ step: 'proxy', hop, ok: false, detail: e.message });
          return reject(e);
        }
        onStep?.({ step: 'tcp', hop, ok: true, detail: `through the jump host to ${host}:${port}` });
        resolve(channel);
      });
    } catch (err) {
      reject(classifyConnectError(err, hop));
    }
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, makeErr: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(makeErr()), ms);
    }),
  ]);
}
