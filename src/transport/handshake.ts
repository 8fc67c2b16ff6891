/**
 * One SSH login over a given byte stream: key exchange, host key check, authentication.
 * Resolves with a ready ssh2 Client, or rejects with a ConnectError naming the step.
 *
 * ssh2's readyTimeout is switched off because it would count the minutes a person spends
 * reading a fingerprint or typing a passphrase; our own timer pauses while a prompt is open.
 */
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as ClientType, ConnectConfig } from 'ssh2';
import { sanitise } from '../text/sanitise.js';
import { createAuthHandler, type AuthTrace, type KeyCache } from './auth.js';
import type { StepListener } from './carrier.js';
import { ConnectError, classifyConnectError } from './connect-errors.js';
import { createHostKeyPolicy, type HostKeyOutcome } from './host-key-policy.js';
import type { Prompter } from './prompter.js';
import { endpointLabel, type SshEndpoint } from './target.js';

const { Client } = ssh2;

export interface HandshakeResult {
  client: ClientType;
  hostKey: HostKeyOutcome;
  /** The raw host key, pinned for this session's reconnects. */
  hostKeyBlob: Buffer;
  auth: string;
  /** The server's software version string (sanitised). */
  serverVersion: string;
  banner?: string;
}

/** Wraps a prompter to know when someone is being asked (the handshake timer then waits). */
export function trackPrompter(p: Prompter): { prompter: Prompter; busy: () => boolean } {
  let open = 0;
  const wrap =
    <A, R>(fn: (a: A) => Promise<R>) =>
    async (a: A): Promise<R> => {
      open++;
      try {
        return await fn(a);
      } finally {
        open--;
      }
    };
  return {
    prompter: { confirmUnknownHostKey: wrap((q) => p.confirmUnknownHostKey(q)), askSecret: wrap((q) => p.askSecret(q)) },
    busy: () => open > 0,
  };
}

export function sshHandshake(
  endpoint: SshEndpoint,
  sock: Duplex,
  prompterIn: Prompter,
  opts: { keyCache: KeyCache; pinnedKey?: Buffer; onStep?: StepListener; handshakeTimeoutMs?: number; debug?: (s: string) => void },
): Promise<HandshakeResult> {
  const hop = endpointLabel(endpoint);
  const { prompter, busy } = trackPrompter(prompterIn);
  const policy = createHostKeyPolicy(endpoint, prompter, opts.pinnedKey ? { pinnedKey: opts.pinnedKey } : {});
  const trace: AuthTrace = { tried: [], promptMs: 0, notes: [] };
  const client = new Client();
  let hostKeyBlob: Buffer | undefined;
  let serverVersion = '';
  let banner: string | undefined;
  let kexDone = false;
  const onStep = opts.onStep;

  return new Promise<HandshakeResult>((resolve, reject) => {
    let settled = false;
    let idleMs = 0;
    const limit = opts.handshakeTimeoutMs ?? Math.max(endpoint.connectTimeoutMs, 20_000);
    const timer = setInterval(() => {
      if (busy()) return;
      idleMs += 500;
      if (idleMs >= limit) fail(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }));
    }, 500);

    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      let e: ConnectError;
      const refusal = policy.refusal();
      if (refusal) e = refusal;
      else if (kexDone) e = classifyConnectError(err, hop, { triedAuth: trace.tried });
      else e = classifyConnectError(err, hop, { timeoutMs: limit });
      if (e.step === 'auth' && trace.notes.length) {
        e = new ConnectError('auth', `${e.message}; ${trace.notes.join('; ')}`, { ...(e.hint ? { hint: e.hint } : {}), retryable: false });
      }
      const step = e.step === 'host-key' ? 'host-key' : e.step === 'auth' ? 'auth' : 'handshake';
      if (step === 'host-key') onStep?.({ step: 'handshake', hop, ok: true, detail: `SSH server ${serverVersion || '(unknown version)'}` });
      onStep?.({ step, hop, ok: false, detail: e.message });
      try {
        client.end();
      } catch {
        /* already gone */
      }
      sock.destroy();
      reject(e);
    };

    // Errors after 'ready' belong to the session's listener; this one keeps ssh2 from throwing.
    client.on('error', (err) => {
      if (!settled) fail(err);
    });
    client.on('close', () => {
      if (!settled) fail(Object.assign(new Error('Connection lost before handshake'), { level: 'protocol' }));
    });
    client.on('banner', (msg: string) => {
      banner = sanitise(msg, { multiline: true }).trim();
    });
    client.on('handshake', () => {
      kexDone = true;
      const o = policy.outcome();
      if (o) {
        const detail =
          o.status === 'known'
            ? `${o.keyType} ${o.fingerprint} matches ${o.file} line ${o.line}`
            : o.status === 'pinned'
              ? `${o.keyType} ${o.fingerprint} (the key this session accepted)`
              : `new key ${o.keyType} ${o.fingerprint} accepted${o.file ? `, recorded in ${o.file} line ${o.line}` : ''}${o.warning ? ` (${o.warning})` : ''}`;
        onStep?.({ step: 'handshake', hop, ok: true, detail: `SSH server ${serverVersion || '(unknown version)'}` });
        onStep?.({ step: 'host-key', hop, ok: true, detail });
      }
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      const o = policy.outcome();
      onStep?.({ step: 'auth', hop, ok: true, detail: `logged in as ${endpoint.user} with ${trace.succeeded ?? 'an unknown method'}` });
      resolve({
        client,
        hostKey: o ?? { status: 'pinned', keyType: '?', fingerprint: '?' },
        hostKeyBlob: hostKeyBlob!,
        auth: trace.succeeded ?? 'unknown',
        serverVersion,
        ...(banner ? { banner } : {}),
      });
    });

    const verifier = policy.verifier;
    const config: ConnectConfig = {
      sock,
      username: endpoint.user,
      // The verifier also remembers the raw key, to pin it for reconnects.
      hostVerifier: ((key: Buffer, verify: (ok: boolean) => void) => {
        hostKeyBlob = Buffer.from(key);
        serverVersion = sanitise((client as unknown as { _remoteVer?: string })._remoteVer ?? '');
        verifier(key, verify);
      }) as ConnectConfig['hostVerifier'],
      authHandler: createAuthHandler(endpoint, prompter, opts.keyCache, trace),
      keepaliveInterval: endpoint.keepaliveIntervalMs,
      keepaliveCountMax: endpoint.keepaliveCountMax,
      readyTimeout: 0,
      ...(policy.serverHostKeyAlgorithms ? { algorithms: { serverHostKey: policy.serverHostKeyAlgorithms as NonNullable<NonNullable<ConnectConfig['algorithms']>['serverHostKey']> } } : {}),
      ...(opts.debug ? { debug: opts.debug } : {}),
    };
    try {
      client.connect(config);
    } catch (err) {
      fail(err);
    }
  });
}
