/**
 * The unlock over its own SSH connection to the initramfs's Dropbear: the transport's session
 * (host key policy with the initramfs known_hosts, the usual authentication, ProxyJump) and one
 * exec channel per cryptroot-unlock call, never a PTY. The passphrase goes as the channel's
 * stdin, exactly the bytes given (no newline), and stdin is closed. With authorized_keys forcing
 * `command="cryptroot-unlock"` the exec request's command is ignored by Dropbear and the same
 * conversation happens.
 */
import type { Prompter } from '../transport/prompter.js';
import { SshSession } from '../transport/ssh-session.js';
import { ConnectError } from '../transport/connect-errors.js';
import { PassphraseWithheld, runUnlockFlow, type UnlockFlowOptions, type UnlockFlowResult } from './unlock-flow.js';
import type { RawRun } from './unlock-outcome.js';
import type { UnlockEndpoint } from './unlock-settings.js';

/** cryptroot-unlock may wait 10 s for askpass, and a LUKS2 (argon2id) key derivation takes seconds. */
const RUN_TIMEOUT_MS = 90_000;

export interface DropbearUnlockOptions extends Omit<UnlockFlowOptions, 'run' | 'maxTries'> {
  prompter: Prompter;
  /** Called once the initramfs's SSH server has accepted us (before any passphrase is asked). */
  onConnected?: (info: { serverVersion: string; hostKey: string }) => void;
  runTimeoutMs?: number;
  debug?: (line: string) => void;
}

export class DropbearConnection {
  #endpoint: UnlockEndpoint;
  #prompter: Prompter;
  #debug: ((line: string) => void) | undefined;
  #session: SshSession | undefined;
  /** The host key of the first login: a new connection must meet the same one. */
  #firstKey: string | undefined;

  constructor(endpoint: UnlockEndpoint, prompter: Prompter, debug?: (line: string) => void) {
    this.#endpoint = endpoint;
    this.#prompter = prompter;
    this.#debug = debug;
  }

  /** Log in to Dropbear. Rejects with the transport's ConnectError (changed key, unknown key, refused login…). */
  async open(): Promise<{ serverVersion: string; hostKey: string }> {
    const session = new SshSession(this.#endpoint.target, this.#prompter, { reconnect: false, ...(this.#debug ? { debug: this.#debug } : {}) });
    await session.open();
    this.#session = session;
    const hop = session.hops[session.hops.length - 1];
    const hostKey = hop ? `${hop.hostKey.keyType} ${hop.hostKey.fingerprint}` : '';
    if (this.#firstKey === undefined) this.#firstKey = hostKey;
    else if (hostKey !== this.#firstKey) {
      await session.close();
      this.#session = undefined;
      throw new ConnectError('host-key', `${this.#endpoint.target.label}: the initramfs answered a new connection with ${hostKey}, not ${this.#firstKey} as before`, {
        hint: 'Nothing was sent. Someone may be intercepting the connection; check the server before unlocking again.',
        retryable: false,
      });
    }
    return { serverVersion: hop?.serverVersion ?? '', hostKey };
  }

  /**
   * One cryptroot-unlock call. Dropbear may have dropped an idle connection while someone typed
   * (its -I option): log in again (same host key required), but do not send the passphrase over
   * the new connection: PassphraseWithheld makes the flow ask for it again.
   */
  async run(passphrase: Buffer, timeoutMs = RUN_TIMEOUT_MS): Promise<RawRun> {
    if (!this.#session?.connected) {
      await this.#session?.close();
      this.#session = undefined;
      await this.open();
      throw new PassphraseWithheld();
    }
    return this.#session!.exec([this.#endpoint.command], { stdin: passphrase, timeoutMs });
  }

  async close(): Promise<void> {
    await this.#session?.close();
    this.#session = undefined;
  }
}

/** Connect, run the unlock conversation, hang up. The flow zeroes every passphrase it was given. */
export async function unlockThroughDropbear(endpoint: UnlockEndpoint, o: DropbearUnlockOptions): Promise<UnlockFlowResult> {
  const conn = new DropbearConnection(endpoint, o.prompter, o.debug);
  try {
    const info = await conn.open();
    o.onConnected?.(info);
    return await runUnlockFlow({ ...o, maxTries: endpoint.maxTries, run: (p) => conn.run(p, o.runTimeoutMs) });
  } catch (err) {
    o.initial?.fill(0);
    throw err;
  } finally {
    await conn.close();
  }
}
