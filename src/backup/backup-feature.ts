/**
 * The backup feature for the TUI: its stores and one object of actions, made from a
 * ServerConnection and the profile's backup settings. Screens get these and nothing else.
 *
 *   const backup = createBackupFeature(conn, { label, settings: profile.backup, saveSettings });
 *   <Backups list={useStore(backup.stores.list)} actions={backup.actions} … />
 */
import { ProfileStore } from '../config/profile-store.js';
import type { ServerConnection } from '../transport/connection.js';
import { createBackupContext, type BackupContext } from './backup-context.js';
import { BackupListStore, BackupRunStore, RestoreStore } from './backup-stores.js';
import type { BackupSettings } from '../config/backup-settings-schema.js';
import { WizardStore } from './wizard-store.js';

export interface BackupFeatureOptions {
  /** The profile (or destination) name. */
  label: string;
  settings: BackupSettings | undefined;
  /** Persist settings edited in the wizard; absent when the target is not a saved profile. */
  saveSettings?: (s: BackupSettings) => void | Promise<void>;
  version?: string;
  now?: () => number;
}

export interface BackupActions {
  refresh(): void;
  runBackup(): void;
  cancelRun(): void;
  resetRun(): void;
  verify(id: string): void;
  pruneDryRun(): void;
  prune(): void;
  testRestore(id: string): void;
  liveRestore(id: string, confirm: string): void;
  rollback(): void;
  resetRestore(): void;
  /** Wizard */
  detect(): void;
  choose(index: number): void;
  setField: WizardStore['setField'];
  saveSettings(): void;
  wizardBack(): void;
  wizardToRun(): void;
}

export interface BackupFeature {
  stores: { list: BackupListStore; run: BackupRunStore; restore: RestoreStore; wizard: WizardStore };
  actions: BackupActions;
  /** Whether backup settings exist (else the wizard is the place to start). */
  configured(): boolean;
}

export function createBackupFeature(conn: ServerConnection, opts: BackupFeatureOptions): BackupFeature {
  let settings = opts.settings;
  let ctx: Promise<BackupContext> | undefined;
  const context = (): Promise<BackupContext> => {
    ctx ??= createBackupContext(conn, settings, opts.label, { ...(opts.version ? { version: opts.version } : {}), ...(opts.now ? { now: opts.now } : {}) });
    // A failure (no settings yet, container not found) is retried on the next call.
    ctx.catch(() => {
      ctx = undefined;
    });
    return ctx;
  };
  const clock = opts.now ? { now: opts.now } : {};
  const list = new BackupListStore(context, { ...clock, onReconnected: (fn) => conn.onReconnected(fn) });
  const run = new BackupRunStore(context, { ...clock, onFinished: () => void list.refresh() });
  const restore = new RestoreStore(context, { ...clock, onFinished: () => void list.refresh() });
  const persist = opts.saveSettings;
  const wizard = new WizardStore({
    conn,
    settings: () => settings,
    save: async (next) => {
      await persist?.(next);
      settings = next;
      ctx = undefined;
      void list.refresh();
    },
    persists: persist !== undefined,
  });
  const actions: BackupActions = {
    refresh: () => void list.refresh(),
    runBackup: () => void run.start(),
    cancelRun: () => run.cancel(),
    resetRun: () => run.reset(),
    verify: (id) => void list.verify(id),
    pruneDryRun: () => void list.prune(true),
    prune: () => void list.prune(false),
    testRestore: (id) => void restore.test(id),
    liveRestore: (id, confirm) => void restore.live(id, confirm),
    rollback: () => void restore.rollback(),
    resetRestore: () => restore.reset(),
    detect: () => void wizard.detect(),
    choose: (i) => void wizard.choose(i),
    setField: (k, v) => wizard.setField(k, v),
    saveSettings: () => void wizard.save(),
    wizardBack: () => wizard.back(),
    wizardToRun: () => wizard.toRun(),
  };
  return { stores: { list, run, restore, wizard }, actions, configured: () => settings !== undefined };
}

/** saveSettings for a saved profile: replaces its backup section in the profile store. */
export function profileSettingsSaver(store: ProfileStore, profileName: string): (s: BackupSettings) => void {
  return (s) => {
    const p = store.get(profileName);
    if (!p) throw new Error(`profile '${profileName}' no longer exists in ${store.path}`);
    store.add({ ...p, backup: s }, { replace: true });
  };
}
