/**
 * The stores the backup screens read (plain TypeScript: subscribe + getSnapshot). Each owns its
 * long-running work: the list refreshes while someone looks at it, a run ticks its clock while
 * it runs. They reach the server only through the BackupContext the feature gives them.
 */
import { Store } from '../model/store.js';
import type { BackupContext } from './backup-context.js';
import { runBackup, stepTitle, verifyBackup, pruneBackups } from './backup-run.js';
import { readListing, rpoState, type BackupListing, type RpoState } from './listing.js';
import type { RestoreTestRecord } from './manifest.js';
import { liveRestore, type LiveRestoreOutcome, type LiveRestoreStep } from './restore-live.js';
import { testRestore, type RestoreTestStep } from './restore-test.js';
import { IDLE, applyEvent, finished, started, tick, type RunProgress } from './run-progress.js';

export type ContextSource = () => Promise<BackupContext>;

export interface Notice {
  level: 'ok' | 'warn' | 'error';
  text: string;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------

export interface BackupListSnapshot {
  status: 'idle' | 'loading' | 'ready' | 'error';
  listing: BackupListing | undefined;
  rpo: RpoState | undefined;
  error: string | undefined;
  /** What is being done to a backup right now ("verifying shop-…"). */
  busy: string | undefined;
  notice: Notice | undefined;
  now: number;
  /** From the settings: whether off-site copies are expected (the column reads "not copied" then). */
  offsiteConfigured: boolean;
}

export class BackupListStore extends Store<BackupListSnapshot> {
  #timer: NodeJS.Timeout | undefined;
  #unsubscribeReconnect: (() => void) | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly context: ContextSource,
    private readonly opts: { now?: () => number; refreshMs?: number; onReconnected?: (fn: () => void) => () => void } = {},
  ) {
    super({ status: 'idle', listing: undefined, rpo: undefined, error: undefined, busy: undefined, notice: undefined, now: (opts.now ?? Date.now)(), offsiteConfigured: false });
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  protected override onFirstSubscriber(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.opts.refreshMs ?? 60_000);
    this.#unsubscribeReconnect = this.opts.onReconnected?.(() => void this.refresh());
  }

  protected override onLastUnsubscribe(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribeReconnect?.();
  }

  refresh(): Promise<void> {
    // One listing at a time: a slow server must not pile up requests.
    this.#inFlight ??= this.load().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  private async load(): Promise<void> {
    this.update((s) => ({ ...s, status: s.listing ? s.status : 'loading' }));
    try {
      const ctx = await this.context();
      const listing = await readListing(ctx.conn, ctx.settings);
      const now = this.now();
      this.update((s) => ({
        ...s,
        status: 'ready',
        listing,
        error: undefined,
        now,
        offsiteConfigured: ctx.settings.rsync !== undefined,
        rpo: rpoState(listing.backups, ctx.settings.rpoHours, now, ctx.settings.postgres.databases),
      }));
    } catch (err) {
      this.update((s) => ({ ...s, status: 'error', error: messageOf(err), now: this.now() }));
    }
  }

  async verify(id: string): Promise<void> {
    if (this.getSnapshot().busy) return;
    this.update((s) => ({ ...s, busy: `verifying ${id}`, notice: undefined }));
    try {
      const ctx = await this.context();
      const r = await verifyBackup(ctx, id);
      this.update((s) => ({ ...s, notice: r.ok ? { level: 'ok', text: `${id} verified: sha256 matches its manifest; decrypts and lists` } : { level: 'error', text: `${id} failed verification: ${r.message ?? ''}` } }));
    } catch (err) {
      this.update((s) => ({ ...s, notice: { level: 'error', text: messageOf(err) } }));
    } finally {
      this.update((s) => ({ ...s, busy: undefined }));
      await this.refresh();
    }
  }

  async prune(dryRun: boolean): Promise<void> {
    if (this.getSnapshot().busy) return;
    this.update((s) => ({ ...s, busy: dryRun ? 'planning retention' : 'pruning', notice: undefined }));
    try {
      const r = await pruneBackups(await this.context(), { dryRun });
      const text = r.ok
        ? dryRun
          ? r.pruned.length ? `retention would delete ${r.pruned.length}: ${r.pruned.join(', ')}` : 'retention would delete nothing'
          : `pruned ${r.pruned.length} backup(s)`
        : `pruning failed: ${r.message ?? ''}`;
      this.update((s) => ({ ...s, notice: { level: r.ok ? 'ok' : 'error', text } }));
    } catch (err) {
      this.update((s) => ({ ...s, notice: { level: 'error', text: messageOf(err) } }));
    } finally {
      this.update((s) => ({ ...s, busy: undefined }));
      await this.refresh();
    }
  }

  /** Shown after something else changed the directory (a run, a restore). */
  note(n: Notice | undefined): void {
    this.update((s) => ({ ...s, notice: n }));
  }
}

// ---------------------------------------------------------------------------------------------

export class BackupRunStore extends Store<RunProgress> {
  #abort: AbortController | undefined;
  #ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: ContextSource,
    private readonly opts: { now?: () => number; tickMs?: number; onFinished?: () => void } = {},
  ) {
    super(IDLE);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get running(): boolean {
    return this.getSnapshot().phase === 'running';
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.#abort = new AbortController();
    this.set(started(this.now()));
    this.#ticker = setInterval(() => this.set(tick(this.getSnapshot(), this.now())), this.opts.tickMs ?? 500);
    try {
      const ctx = await this.context();
      const outcome = await runBackup(ctx, {
        signal: this.#abort.signal,
        onEvent: (e) => this.set(applyEvent(this.getSnapshot(), e, this.now(), (id) => stepTitle(ctx, id))),
      });
      this.set(finished(this.getSnapshot(), outcome, this.now()));
    } catch (err) {
      const msg = messageOf(err);
      this.set(finished(this.getSnapshot(), { status: 'failed', exitCode: 2, backups: [], warnings: [], offsite: [], pruned: [], failedStep: undefined, message: msg, stderr: [], durationMs: 0 }, this.now()));
    } finally {
      if (this.#ticker) clearInterval(this.#ticker);
      this.#ticker = undefined;
      this.#abort = undefined;
      this.opts.onFinished?.();
    }
  }

  /** Ends the run's lifeline: the server stops the pipeline and removes its partial files. */
  cancel(): void {
    this.#abort?.abort();
  }

  reset(): void {
    if (!this.running) this.set(IDLE);
  }
}

// ---------------------------------------------------------------------------------------------

export type RestoreStepId = RestoreTestStep | LiveRestoreStep;

export interface RestoreSnapshot {
  phase: 'idle' | 'running' | 'done' | 'failed';
  mode: 'test' | 'live' | undefined;
  id: string | undefined;
  steps: { id: RestoreStepId; detail: string | undefined; startedAt: number }[];
  startedAt: number | undefined;
  now: number;
  test: RestoreTestRecord | undefined;
  live: LiveRestoreOutcome | undefined;
  error: string | undefined;
}

const RESTORE_IDLE: RestoreSnapshot = { phase: 'idle', mode: undefined, id: undefined, steps: [], startedAt: undefined, now: 0, test: undefined, live: undefined, error: undefined };

export class RestoreStore extends Store<RestoreSnapshot> {
  #ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly context: ContextSource,
    private readonly opts: { now?: () => number; tickMs?: number; onFinished?: () => void } = {},
  ) {
    super(RESTORE_IDLE);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private begin(mode: 'test' | 'live', id: string): boolean {
    if (this.getSnapshot().phase === 'running') return false;
    const now = this.now();
    this.set({ ...RESTORE_IDLE, phase: 'running', mode, id, startedAt: now, now });
    this.#ticker = setInterval(() => this.update((s) => (s.phase === 'running' ? { ...s, now: this.now() } : s)), this.opts.tickMs ?? 500);
    return true;
  }

  private end(patch: Partial<RestoreSnapshot>): void {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.update((s) => ({ ...s, ...patch, now: this.now() }));
    this.opts.onFinished?.();
  }

  private onStep = (id: RestoreStepId, detail?: string) => {
    this.update((s) => ({ ...s, now: this.now(), steps: [...s.steps, { id, detail, startedAt: this.now() }] }));
  };

  async test(id: string): Promise<void> {
    if (!this.begin('test', id)) return;
    try {
      const record = await testRestore(await this.context(), id, { onStep: this.onStep });
      this.end({ phase: record.ok ? 'done' : 'failed', test: record, error: record.ok ? undefined : record.message });
    } catch (err) {
      this.end({ phase: 'failed', error: messageOf(err) });
    }
  }

  async live(id: string, confirm: string): Promise<void> {
    if (!this.begin('live', id)) return;
    try {
      const outcome = await liveRestore(await this.context(), id, { confirm, onStep: this.onStep });
      this.end({ phase: outcome.ok ? 'done' : 'failed', live: outcome, error: outcome.ok ? undefined : outcome.message });
    } catch (err) {
      this.end({ phase: 'failed', error: messageOf(err) });
    }
  }

  /** Back to the safety backup taken before the last live restore (itself a live restore). */
  async rollback(): Promise<void> {
    const s = this.getSnapshot();
    const safety = s.live?.safetyBackupId;
    if (!safety || !s.live) return;
    await this.live(safety, s.live.database);
  }

  reset(): void {
    if (this.getSnapshot().phase !== 'running') this.set(RESTORE_IDLE);
  }
}
