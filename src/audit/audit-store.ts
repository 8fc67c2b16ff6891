/**
 * The audit screen's store: runs the read-only audit when the screen subscribes, keeps the report
 * and which row is selected (its evidence and fix are shown). `r` runs it again.
 */
import { Store } from '../model/store.js';
import { sanitise } from '../text/sanitise.js';
import type { ServerConnection } from '../transport/connection.js';
import type { AuditReport } from './audit-row.js';
import { runAudit, type AuditOptions } from './run-audit.js';

export interface AuditSnapshot {
  status: 'idle' | 'checking' | 'ready' | 'error';
  report: AuditReport | undefined;
  selected: number;
  /** Only failing and warning rows. */
  problemsOnly: boolean;
  error: string | undefined;
}

export interface AuditActions {
  run(): void;
  move(delta: number): void;
  toggleProblemsOnly(): void;
}

export class AuditStore extends Store<AuditSnapshot> {
  readonly actions: AuditActions;
  #audit: () => Promise<AuditReport>;

  constructor(audit: () => Promise<AuditReport>) {
    super({ status: 'idle', report: undefined, selected: 0, problemsOnly: false, error: undefined });
    this.#audit = audit;
    this.actions = {
      run: () => void this.#run(),
      move: (d) =>
        this.update((s) => {
          const n = visibleRows(s).length;
          return n ? { ...s, selected: Math.max(0, Math.min(n - 1, s.selected + d)) } : s;
        }),
      toggleProblemsOnly: () => this.update((s) => ({ ...s, problemsOnly: !s.problemsOnly, selected: 0 })),
    };
  }

  protected override onFirstSubscriber(): void {
    if (this.getSnapshot().status === 'idle') void this.#run();
  }

  async #run(): Promise<void> {
    if (this.getSnapshot().status === 'checking') return;
    this.update((s) => ({ ...s, status: 'checking', error: undefined }));
    try {
      const report = await this.#audit();
      this.update((s) => ({ ...s, status: 'ready', report, selected: Math.min(s.selected, Math.max(0, report.rows.length - 1)) }));
    } catch (err) {
      this.update((s) => ({ ...s, status: 'error', error: sanitise((err as Error)?.message ?? String(err)) }));
    }
  }
}

export function visibleRows(s: Pick<AuditSnapshot, 'report' | 'problemsOnly'>) {
  const rows = s.report?.rows ?? [];
  return s.problemsOnly ? rows.filter((r) => r.status === 'fail' || r.status === 'warn') : rows;
}

/** The audit screen's store and actions over a live connection. */
export function createAudit(conn: ServerConnection, opts: AuditOptions = {}): { store: AuditStore; actions: AuditActions } {
  const store = new AuditStore(() => runAudit(conn, opts));
  return { store, actions: store.actions };
}
