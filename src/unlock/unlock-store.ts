/**
 * The Unlock screen's model: one store holding where the unlock is (probe, connect, questions,
 * cryptroot-unlock calls, waiting for sshd) and one object of actions. The screen draws the
 * snapshot and calls actions; everything that talks to a server lives behind `UnlockDeps`.
 *
 * The store is also the Prompter of the initramfs connection: an unknown Dropbear key or an
 * SSH key passphrase becomes a question in the snapshot, answered through the actions, like the
 * disk passphrase itself. Secrets arrive as Buffers from the masked input and are handed on,
 * never copied; a Buffer that arrives when nobody is asking is zeroed at once.
 */
import { Store } from '../model/store.js';
import type { Prompter, SecretQuestion, UnknownHostKeyQuestion } from '../transport/prompter.js';
import type { SshTarget } from '../transport/target.js';
import { hostPort, probeBootState, type BootState } from './boot-state.js';
import { unlockThroughDropbear, type DropbearUnlockOptions } from './dropbear-unlock.js';
import type { PassphraseQuestion, UnlockEvent, UnlockFlowResult } from './unlock-flow.js';
import { describeEvent, describeQuestion, describeResult, describeWait } from './unlock-messages.js';
import type { UnlockEndpoint } from './unlock-settings.js';
import { waitForSshd, type WaitProgress, type WaitResult } from './wait-for-sshd.js';

export type UnlockPhase =
  | { phase: 'idle' }
  | { phase: 'probing' }
  | { phase: 'detected'; state: BootState['state']; message: string; hint?: string }
  | { phase: 'connecting' }
  | { phase: 'host-key'; question: UnknownHostKeyQuestion }
  | { phase: 'secret'; kind: 'disk' | 'ssh-key'; prompt: string; note?: string }
  | { phase: 'unlocking'; line: string }
  | { phase: 'waiting'; elapsedMs: number; timeoutMs: number; last: string }
  | { phase: 'back'; line: string }
  | { phase: 'failed'; line: string; hint?: string; advice?: string[] };

export interface UnlockSnapshot {
  /** The server, as the user calls it. */
  label: string;
  /** host:port of the initramfs, for the header. */
  initramfs: string;
  current: UnlockPhase;
  /** What happened so far, one line each (never a secret). */
  log: readonly string[];
  devices: readonly string[];
}

export interface UnlockActions {
  /** Knock on sshd and the initramfs and say which state the server is in. */
  probe(): void;
  /** Connect to Dropbear and run the unlock. */
  start(): void;
  /** The masked input's answer; the Buffer is handed on and zeroed by whoever uses it. */
  submitSecret(secret: Buffer): void;
  cancelSecret(): void;
  answerHostKey(trust: boolean): void;
  /** Stop whatever runs (a question, a retry pause, the wait for sshd). */
  cancel(): void;
  /** Open the dashboard of the server (after it is back). */
  openDashboard(): void;
}

export interface UnlockDeps {
  probe(): Promise<BootState>;
  unlock(o: DropbearUnlockOptions): Promise<UnlockFlowResult>;
  wait(o: { signal: AbortSignal; onProgress: (p: WaitProgress) => void }): Promise<WaitResult>;
}

export interface UnlockStoreOptions {
  /** Called when the server is back (sshd answers with its known key): the App opens its dashboard. */
  onServerBack?: () => void;
  /** The ticker for the elapsed-time line while waiting (default 1 s). */
  tickMs?: number;
  now?: () => number;
}

const MAX_LOG = 50;

export class UnlockStore extends Store<UnlockSnapshot> {
  #deps: UnlockDeps;
  #opts: UnlockStoreOptions;
  #busy = false;
  #abort: AbortController | undefined;
  #pendingSecret: ((b: Buffer | null) => void) | undefined;
  #pendingHostKey: ((trust: boolean) => void) | undefined;
  #ticker: NodeJS.Timeout | undefined;
  readonly actions: UnlockActions;

  #waitTimeoutMs: number;

  constructor(init: { label: string; initramfs: string; waitTimeoutMs: number }, deps: UnlockDeps, opts: UnlockStoreOptions = {}) {
    super({ label: init.label, initramfs: init.initramfs, current: { phase: 'idle' }, log: [], devices: [] });
    this.#waitTimeoutMs = init.waitTimeoutMs;
    this.#deps = deps;
    this.#opts = opts;
    this.actions = {
      probe: () => void this.#probe(),
      start: () => void this.#start(),
      submitSecret: (b) => this.#answerSecret(b),
      cancelSecret: () => this.#answerSecret(null),
      answerHostKey: (t) => {
        const p = this.#pendingHostKey;
        this.#pendingHostKey = undefined;
        p?.(t);
      },
      cancel: () => this.#cancel(),
      openDashboard: () => {
        if (this.getSnapshot().current.phase === 'back') this.#opts.onServerBack?.();
      },
    };
  }

  /** The prompter for the initramfs connection: its questions show on the Unlock screen. */
  readonly prompter: Prompter = {
    confirmUnknownHostKey: (q) =>
      new Promise<boolean>((resolve) => {
        this.#pendingHostKey = resolve;
        this.#phase({ phase: 'host-key', question: q });
      }).finally(() => this.#phase({ phase: 'connecting' })),
    askSecret: (q: SecretQuestion) => this.#ask({ phase: 'secret', kind: 'ssh-key', prompt: q.prompt }),
  };

  /** The screen opened: find out at once whether the server waits for its passphrase. */
  protected override onFirstSubscriber(): void {
    if (this.getSnapshot().current.phase === 'idle') void this.#probe();
  }

  protected override onLastUnsubscribe(): void {
    // The screen went away: a question nobody can answer must not hang the flow.
    this.#answerSecret(null);
    this.#pendingHostKey?.(false);
    this.#pendingHostKey = undefined;
  }

  #phase(current: UnlockPhase): void {
    this.update((s) => ({ ...s, current }));
  }

  #log(line: string): void {
    this.update((s) => ({ ...s, log: [...s.log, line].slice(-MAX_LOG) }));
  }

  #ask(current: Extract<UnlockPhase, { phase: 'secret' }>): Promise<Buffer | null> {
    // One question at a time; a stale one is answered "no" first.
    this.#pendingSecret?.(null);
    return new Promise<Buffer | null>((resolve) => {
      this.#pendingSecret = resolve;
      this.#phase(current);
    });
  }

  #answerSecret(b: Buffer | null): void {
    const p = this.#pendingSecret;
    this.#pendingSecret = undefined;
    if (p) p(b);
    else b?.fill(0);
  }

  #cancel(): void {
    this.#abort?.abort();
    this.#answerSecret(null);
    this.actions.answerHostKey(false);
  }

  async #probe(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    this.#phase({ phase: 'probing' });
    try {
      const b = await this.#deps.probe();
      this.#log(b.message);
      this.#phase({ phase: 'detected', state: b.state, message: b.message, ...(b.state === 'unreachable' ? { hint: b.hint } : {}) });
    } catch (err) {
      this.#phase({ phase: 'failed', line: (err as Error)?.message ?? String(err) });
    } finally {
      this.#busy = false;
    }
  }

  async #start(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const abort = new AbortController();
    this.#abort = abort;
    this.update((s) => ({ ...s, devices: [] }));
    this.#phase({ phase: 'connecting' });
    const label = this.getSnapshot().label;
    try {
      let result: UnlockFlowResult;
      try {
        result = await this.#deps.unlock({
          prompter: this.prompter,
          canAskAgain: true,
          signal: abort.signal,
          ask: (q: PassphraseQuestion) => {
            const { prompt, note } = describeQuestion(label, q);
            return this.#ask({ phase: 'secret', kind: 'disk', prompt, ...(note ? { note } : {}) });
          },
          onConnected: (info) => this.#log(`connected to the initramfs (${info.serverVersion || 'SSH'}, host key ${info.hostKey})`),
          onEvent: (e: UnlockEvent) => {
            const line = describeEvent(e);
            if (e.type === 'unlocked') this.update((s) => ({ ...s, devices: [...s.devices, e.device] }));
            if (e.type !== 'running' || e.reuse) this.#log(line);
            this.#phase({ phase: 'unlocking', line });
          },
        });
      } catch (err) {
        const e = err as Error & { hint?: string };
        this.#log(e.message);
        this.#phase({ phase: 'failed', line: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) });
        return;
      }
      const said = describeResult(label, result);
      this.#log(said.line);
      if (!said.proceed) {
        this.#phase({ phase: 'failed', line: said.line, ...(said.hint ? { hint: said.hint } : {}) });
        return;
      }
      await this.#waitForSshd(abort);
    } finally {
      this.#busy = false;
      if (this.#abort === abort) this.#abort = undefined;
    }
  }

  async #waitForSshd(abort: AbortController): Promise<void> {
    const now = this.#opts.now ?? Date.now;
    const t0 = now();
    let last = 'knocking';
    this.#phase({ phase: 'waiting', elapsedMs: 0, timeoutMs: this.#waitTimeoutMs, last });
    this.#ticker = setInterval(() => {
      const c = this.getSnapshot().current;
      if (c.phase === 'waiting') this.#phase({ ...c, elapsedMs: now() - t0 });
    }, this.#opts.tickMs ?? 1000);
    try {
      const r = await this.#deps.wait({
        signal: abort.signal,
        onProgress: (p) => {
          last = p.last;
          const c = this.getSnapshot().current;
          if (c.phase === 'waiting') this.#phase({ ...c, elapsedMs: p.elapsedMs, last });
        },
      });
      const label = this.getSnapshot().label;
      const w = describeWait(label, r);
      this.#log(w.line);
      if (r.kind === 'back') {
        this.#phase({ phase: 'back', line: w.line });
        this.#opts.onServerBack?.();
      } else this.#phase({ phase: 'failed', line: w.line, ...(w.hint && r.kind !== 'timeout' ? { hint: w.hint } : {}), ...(w.advice ? { advice: w.advice } : {}) });
    } finally {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }
}

/**
 * The Unlock screen's stores and actions for a server, with the real dependencies: banner
 * knocks, Dropbear through the transport, and the wait for sshd checked against the normal
 * known_hosts. `mainPrompter` answers questions about the server's own sshd (normally none:
 * its key is known).
 */
export function createUnlockSession(
  main: SshTarget,
  endpoint: UnlockEndpoint,
  opts: UnlockStoreOptions & { mainPrompter: Prompter; waitIntervalMs?: number },
): { store: UnlockStore; actions: UnlockActions } {
  const u = endpoint.target;
  const store = new UnlockStore(
    { label: main.label, initramfs: hostPort(u.host, u.port), waitTimeoutMs: endpoint.waitTimeoutMs },
    {
      probe: () => probeBootState(main, endpoint),
      unlock: (o) => unlockThroughDropbear(endpoint, o),
      wait: (o) =>
        waitForSshd(main, opts.mainPrompter, {
          timeoutMs: endpoint.waitTimeoutMs,
          initramfs: { host: u.host, port: u.port },
          signal: o.signal,
          onProgress: o.onProgress,
          ...(opts.waitIntervalMs ? { intervalMs: opts.waitIntervalMs } : {}),
        }),
    },
    opts,
  );
  return { store, actions: store.actions };
}
