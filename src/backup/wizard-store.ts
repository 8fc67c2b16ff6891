/**
 * The backup wizard's state: what detection found, the settings being edited (as a form draft),
 * and whether they were saved to the profile. The run itself is the BackupRunStore's.
 */
import type Dockerode from 'dockerode';
import { Store } from '../model/store.js';
import { sanitise } from '../text/sanitise.js';
import type { ServerConnection } from '../transport/connection.js';
import { detectPostgres, type PostgresCandidate } from './detect.js';
import { draftFrom, parseDraft, type Draft, type FieldKey } from './settings-form.js';
import type { BackupSettings } from '../config/backup-settings-schema.js';

export type WizardStage = 'detect' | 'settings' | 'run';

export interface WizardSnapshot {
  stage: WizardStage;
  detection: { status: 'idle' | 'loading' | 'ready' | 'error'; candidates: PostgresCandidate[]; error: string | undefined };
  draft: Draft;
  errors: Partial<Record<FieldKey, string>>;
  /** Settings saved to the profile in this session. */
  saved: boolean;
  /** Profiles persist settings; for an ad-hoc destination they last for this session only. */
  canSave: boolean;
  message: string | undefined;
}

export interface WizardDeps {
  conn: Pick<ServerConnection, 'exec' | 'target'> & { docker: Dockerode };
  settings: () => BackupSettings | undefined;
  /** Adopt new settings (the feature swaps its context), persisting them when `persists`. */
  save: (s: BackupSettings) => Promise<void>;
  /** Whether save() writes the profile store (false for an ad-hoc destination: this session only). */
  persists: boolean;
}

const DB_LIST_SQL = "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn AND datname <> 'postgres' ORDER BY 1";

export class WizardStore extends Store<WizardSnapshot> {
  constructor(private readonly deps: WizardDeps) {
    const current = deps.settings();
    super({
      stage: current ? 'settings' : 'detect',
      detection: { status: 'idle', candidates: [], error: undefined },
      draft: draftFrom(current),
      errors: {},
      saved: false,
      canSave: deps.persists,
      message: undefined,
    });
  }

  protected override onFirstSubscriber(): void {
    if (this.getSnapshot().detection.status === 'idle') void this.detect();
  }

  async detect(): Promise<void> {
    this.update((s) => ({ ...s, detection: { ...s.detection, status: 'loading', error: undefined } }));
    try {
      const candidates = await detectPostgres(this.deps.conn.docker);
      this.update((s) => ({ ...s, detection: { status: 'ready', candidates, error: undefined } }));
    } catch (err) {
      this.update((s) => ({ ...s, detection: { status: 'error', candidates: [], error: sanitise((err as Error).message ?? String(err)) } }));
    }
  }

  /** Take a detected container as the starting point, listing its databases. */
  async choose(index: number): Promise<void> {
    const c = this.getSnapshot().detection.candidates[index];
    if (!c) return;
    // The container's own facts win over saved settings; the rest (encryption, off-site) is kept.
    const base = draftFrom(this.deps.settings(), c);
    const draft: Draft = { ...base, service: c.service ?? c.container, project: c.project ?? '', user: c.user ?? base.user };
    this.update((s) => ({ ...s, stage: 'settings', draft, errors: {}, message: `listing databases in ${c.container}…` }));
    const names = c.running ? await this.listDatabases(c) : [];
    this.update((s) => ({
      ...s,
      draft: names.length ? { ...s.draft, databases: names.join(', ') } : s.draft,
      message: names.length ? undefined : 'could not list the databases; type their names',
    }));
  }

  private async listDatabases(c: PostgresCandidate): Promise<string[]> {
    const socket = this.deps.conn.target.socketPath;
    const r = await this.deps.conn
      .exec(['docker', '-H', `unix://${socket}`, 'exec', '--', c.id, 'psql', '-X', '-q', '-A', '-t', '-U', c.user ?? 'postgres', '-d', 'postgres', '-c', DB_LIST_SQL], { timeoutMs: 30_000 })
      .catch(() => undefined);
    if (!r || r.code !== 0) return [];
    return r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(l));
  }

  setField(key: FieldKey, value: string): void {
    this.update((s) => {
      const draft = { ...s.draft, [key]: value };
      const errors = { ...s.errors };
      delete errors[key];
      return { ...s, draft, errors, saved: false };
    });
  }

  back(): void {
    this.update((s) => ({ ...s, stage: s.stage === 'run' ? 'settings' : 'detect' }));
  }

  /** Validate; save to the profile when possible; true when the settings can be used for a run. */
  async save(): Promise<boolean> {
    const r = parseDraft(this.getSnapshot().draft, this.deps.settings());
    if (!r.ok) {
      this.update((s) => ({ ...s, errors: r.errors, message: 'fix the marked fields' }));
      return false;
    }
    try {
      await this.deps.save(r.settings);
      const message = this.deps.persists ? 'saved to the profile' : 'using these settings for this session only: save a profile (opsdeck hosts add) to keep them';
      this.update((s) => ({ ...s, errors: {}, saved: this.deps.persists, stage: 'run', message }));
      return true;
    } catch (err) {
      this.update((s) => ({ ...s, message: `cannot save: ${sanitise((err as Error).message ?? String(err))}` }));
      return false;
    }
  }

  toRun(): void {
    this.update((s) => ({ ...s, stage: 'run' }));
  }
}
