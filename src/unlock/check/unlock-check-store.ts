/**
 * The TUI panel for `unlock check`: the report, pinning Dropbear's host keys, and the fix
 * (shown as exact line changes first, written only after an explicit confirmation). Runs over
 * the normal connection while the server is up; the check starts when the panel subscribes.
 */
import { Store } from '../../model/store.js';
import { sanitise } from '../../text/sanitise.js';
import type { ServerConnection } from '../../transport/connection.js';
import type { UnlockEndpoint } from '../unlock-settings.js';
import { applyFix } from './apply-fix.js';
import type { CheckReport } from './evaluate-check.js';
import type { FixPlan } from './fix-plan.js';
import { pinHostKeys, runUnlockCheck, type CheckRun, type PinResult } from './run-check.js';

export interface UnlockCheckSnapshot {
  status: 'idle' | 'checking' | 'ready' | 'error' | 'writing';
  report?: CheckReport;
  plan?: FixPlan;
  /** The plan is on screen, waiting for a yes. */
  confirming: boolean;
  /** Lines from pinning and writing. */
  messages: readonly string[];
  error?: string;
  /** Pinning is possible (an SSH server, with keys not pinned yet). */
  canPin: boolean;
}

export interface UnlockCheckActions {
  run(): void;
  pin(): void;
  /** Show the planned changes. */
  proposeFix(): void;
  /** Write them (only while confirming). */
  confirmFix(): void;
  cancelFix(): void;
}

export interface UnlockCheckDeps {
  check(): Promise<CheckRun>;
  pin(report: CheckReport): PinResult;
  apply(plan: Extract<FixPlan, { kind: 'changes' }>): Promise<{ ok: boolean; steps: string[] }>;
  pinnable: boolean;
}

export class UnlockCheckStore extends Store<UnlockCheckSnapshot> {
  #deps: UnlockCheckDeps;
  readonly actions: UnlockCheckActions;

  constructor(deps: UnlockCheckDeps) {
    super({ status: 'idle', confirming: false, messages: [], canPin: false });
    this.#deps = deps;
    this.actions = {
      run: () => void this.#run(),
      pin: () => this.#pin(),
      proposeFix: () => {
        const s = this.getSnapshot();
        if (s.status === 'ready' && s.plan) this.set({ ...s, confirming: s.plan.kind === 'changes', messages: s.plan.kind === 'changes' ? s.messages : [...s.messages, planText(s.plan)] });
      },
      confirmFix: () => void this.#apply(),
      cancelFix: () => this.update((s) => ({ ...s, confirming: false })),
    };
  }

  protected override onFirstSubscriber(): void {
    if (this.getSnapshot().status === 'idle') void this.#run();
  }

  async #run(): Promise<void> {
    if (this.getSnapshot().status === 'checking' || this.getSnapshot().status === 'writing') return;
    this.update((s) => ({ ...s, status: 'checking', confirming: false }));
    try {
      const r = await this.#deps.check();
      this.update((s) => ({
        ...s,
        status: 'ready',
        report: r.report,
        plan: r.plan,
        canPin: this.#deps.pinnable && r.report.hostKeys.some((k) => k.pin === 'unknown'),
      }));
    } catch (err) {
      this.update((s) => ({ ...s, status: 'error', error: sanitise((err as Error)?.message ?? String(err)) }));
    }
  }

  #pin(): void {
    const s = this.getSnapshot();
    if (!s.report || !s.canPin) return;
    try {
      const r = this.#deps.pin(s.report);
      const lines = [...r.pinned.map((p) => `pinned ${p.keyType} ${p.fingerprint} in ${p.file} line ${p.line}`), ...r.skipped.map((k) => `not pinned: ${k.keyType} ${k.fingerprint}: ${k.reason}`)];
      this.update((x) => ({ ...x, messages: [...x.messages, ...lines] }));
    } catch (err) {
      this.update((x) => ({ ...x, messages: [...x.messages, `pinning failed: ${(err as Error).message}`] }));
    }
    void this.#run();
  }

  async #apply(): Promise<void> {
    const s = this.getSnapshot();
    if (!s.confirming || s.plan?.kind !== 'changes') return;
    this.set({ ...s, status: 'writing', confirming: false });
    try {
      const r = await this.#deps.apply(s.plan);
      this.update((x) => ({ ...x, status: 'ready', messages: [...x.messages, ...r.steps, r.ok ? 'done: the next boot uses the new initramfs' : 'stopped'] }));
    } catch (err) {
      this.update((x) => ({ ...x, status: 'ready', messages: [...x.messages, `writing failed: ${sanitise((err as Error)?.message ?? String(err))}`] }));
    }
    void this.#run();
  }
}

function planText(p: FixPlan): string {
  if (p.kind === 'nothing-to-do') return 'nothing to write: the options and keys already have what opsdeck would add';
  if (p.kind === 'cannot') return `cannot write: ${p.reason}`;
  return `${p.files.length} file(s) to change`;
}

/** The check panel's store and actions over a live connection. */
export function createUnlockCheck(conn: ServerConnection, endpoint: UnlockEndpoint | undefined): { store: UnlockCheckStore; actions: UnlockCheckActions } {
  const store = new UnlockCheckStore({
    check: () => runUnlockCheck(conn, conn.target.label, endpoint),
    pin: (report) => {
      if (!endpoint) throw new Error('pinning needs a server reached over SSH');
      return pinHostKeys(report.hostKeys.filter((k) => k.pin === 'unknown'), endpoint);
    },
    apply: (plan) => applyFix((argv, o) => conn.exec(argv, o), plan),
    pinnable: endpoint !== undefined,
  });
  return { store, actions: store.actions };
}
