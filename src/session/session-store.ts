import { Store } from '../model/store.js';
import { PromptStore } from '../model/prompt-store.js';
import { GridStore } from '../model/grid-store.js';
import type { ServiceRow } from '../model/grouping.js';
import { connect, type ServerConnection } from '../transport/connection.js';
import type { Target } from '../transport/target.js';
import { UserError } from '../errors.js';
import { sanitise } from '../text/sanitise.js';
import { isProduction, serverColour } from '../render/server-colour.js';
import { describeRecreate, runAction, type ActionResult, type ActionTarget, type ServiceAction } from '../docker/service-actions.js';
import type { ConnectionFlags } from '../transport/connection-flags.js';
import { openUnlock, openUnlockCheck, recogniseLockedServer } from '../unlock/unlock-wiring.js';
import { HostsStore } from '../model/hosts-store.js';
import { createAudit } from '../audit/audit-store.js';
import { createLogsFeature } from '../logs/logs-feature.js';
import type { LogViewRequest } from '../logs/logs-feature.js';
import { createBackupFeature, profileSettingsSaver } from '../backup/backup-feature.js';
import { ProfileStore } from '../config/profile-store.js';
import type { ActionContext, ActionPort, ActionResult as RunbookActionResult, RunnerServer } from '../runbook/runbook-runner.js';
import type { Runbook } from '../runbook/runbook-types.js';
import type { RunStore } from '../runbook/run-store.js';
import { ConnectError } from '../transport/connect-errors.js';
import type { FailureKind } from '../model/fleet-view.js';

export type SessionSnapshot =
  | { phase: 'connecting'; label: string; step: string | undefined }
  | { phase: 'ready'; label: string; conn: ServerConnection; connection: ServerConnection['state']; grid: GridStore }
  | { phase: 'failed'; label: string; message: string; hint: string | undefined; locked: string | undefined; kind: FailureKind; since: number };

export interface SessionOptions {
  intervalMs?: number;
  /** False for a fleet's servers: no stats baseline while loading (GridStoreOptions.primeStats). */
  primeStats?: boolean;
  readonly?: boolean;
  /** The flags the session was opened with (the unlock feature resolves its endpoint from them). */
  flags?: ConnectionFlags;
  env?: NodeJS.ProcessEnv;
  /** Reads `:logs` words as `opsdeck logs` does; the CLI passes its own parser in, so that this room does not reach up into it. */
  logsRequestFromWords?: (words: readonly string[]) => LogViewRequest | Promise<LogViewRequest>;
  /**
   * The typed actions a runbook step runs (restart, logs, backup …) over a connection: the CLI's
   * own port, passed in for the same reason as logsRequestFromWords.
   */
  runbookActions?: (conn: ServerConnection) => ActionPort | Promise<ActionPort>;
}

/**
 * One TUI session with one server: connect (asking through the prompt store when the transport
 * needs a person), then build the views on the connection. Screens read this store and call its
 * actions; they never touch the connection themselves.
 */
export class SessionStore extends Store<SessionSnapshot> {
  readonly prompts = new PromptStore();
  readonly readonly: boolean;
  /** From the target's profile, for the App's top bar and its confirmations. */
  readonly serverColour: string | undefined;
  readonly production: boolean;
  #target: Target;
  #opts: SessionOptions;
  #conn: ServerConnection | undefined;
  #closed = false;
  #run: { title: string; store: RunStore } | undefined;

  constructor(target: Target, opts: SessionOptions = {}) {
    super({ phase: 'connecting', label: target.label, step: undefined });
    this.#target = target;
    this.#opts = opts;
    // A profile marked read-only opens read-only whatever the command line says.
    this.readonly = opts.readonly === true || target.profile?.readonly === true;
    this.serverColour = serverColour(target.profile);
    this.production = isProduction(target.profile);
  }

  get target(): Target {
    return this.#target;
  }

  readonly start = async (): Promise<void> => {
    const label = this.#target.label;
    this.set({ phase: 'connecting', label, step: undefined });
    try {
      const conn = await connect(this.#target, this.prompts, {
        onStep: (r) => {
          if (this.getSnapshot().phase === 'connecting') this.set({ phase: 'connecting', label, step: sanitise(`${r.step} ${r.hop}`) });
        },
      });
      if (this.#closed) {
        await conn.close();
        return;
      }
      this.#conn = conn;
      const projects = this.#target.profile?.compose?.projects;
      const grid = new GridStore(conn, {
        ...(this.#opts.intervalMs ? { intervalMs: this.#opts.intervalMs } : {}),
        ...(projects ? { projects } : {}),
        ...(this.#opts.primeStats === false ? { primeStats: false } : {}),
      });
      // Load the grid now rather than when the first screen subscribes: on a launch that screen is
      // still being loaded (Ink, React) while the containers could already be on their way.
      grid.subscribe(KEEP_LOADING);
      this.set({ phase: 'ready', label, conn, connection: conn.state, grid });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const hint = err instanceof UserError && err.hint ? sanitise(err.hint) : undefined;
      const failed = { phase: 'failed', label, message: sanitise(message), hint, kind: failureKind(err), since: Date.now() } as const;
      this.set({ ...failed, locked: undefined });
      // A server that does not answer may be waiting in its initramfs for the disk passphrase.
      const boot = await recogniseLockedServer(this.#target, this.#opts.flags ?? {}, this.#opts.env).catch(() => undefined);
      if (boot?.state === 'waiting-for-passphrase' && this.getSnapshot().phase === 'failed') {
        this.set({ ...failed, locked: sanitise(boot.message) });
      }
    }
  };

  /** The Unlock screen's store and actions; when the server is back, the session connects again. */
  readonly openUnlock = () =>
    openUnlock(this.#target, this.#opts.flags ?? {}, { mainPrompter: this.prompts, onServerBack: () => void this.start(), ...(this.#opts.env ? { env: this.#opts.env } : {}) });

  /** The Hosts screen: saved profiles, tested with this session's prompts. Needs no connection. */
  readonly openHosts = async () => {
    const store = new HostsStore({
      ...(this.#opts.flags ? { flags: this.#opts.flags } : {}),
      ...(this.#opts.env ? { env: this.#opts.env } : {}),
      prompter: this.prompts,
      ...(this.#target.profile?.name ? { connected: this.#target.profile.name } : {}),
    });
    return { store, actions: store.actions };
  };

  /** A log view: `words` as `opsdeck logs` takes them (`api worker --since 10m --level error`). */
  readonly openLogs = async (words: readonly string[]) => {
    if (!this.#conn) throw new Error('not connected');
    const parse = this.#opts.logsRequestFromWords;
    if (!parse) throw new Error('this session opens no log views');
    return createLogsFeature(this.#conn, await parse(words));
  };

  /** Backups and restores of this server's PostgreSQL; wizard settings are saved to its profile. */
  readonly openBackups = async () => {
    if (!this.#conn) throw new Error('not connected');
    const profile = this.#target.profile;
    const configPath = this.#opts.flags?.config;
    const saver = profile
      ? profileSettingsSaver(new ProfileStore({ ...(configPath ? { configPath } : {}), ...(this.#opts.env ? { env: this.#opts.env } : {}) }), profile.name)
      : undefined;
    return createBackupFeature(this.#conn, { label: this.#target.label, settings: profile?.backup, ...(saver ? { saveSettings: saver } : {}) });
  };

  /** The hardening audit over the live connection (read-only). */
  readonly openAudit = async () => {
    if (!this.#conn) throw new Error('not connected');
    return createAudit(this.#conn, { ...(this.#opts.flags ? { flags: this.#opts.flags } : {}), ...(this.#opts.env ? { env: this.#opts.env } : {}) });
  };

  /** The unlock setup check over the live connection. */
  readonly openUnlockCheck = () => {
    if (!this.#conn) throw new Error('not connected');
    return openUnlockCheck(this.#conn, this.#opts.flags ?? {}, this.#opts.env);
  };

  /** The runbooks there are: the shipped ones and the operator's (--config / OPSDECK_CONFIG, OPSDECK_RUNBOOKS). */
  readonly loadRunbooks = async (): Promise<{ runbooks: Runbook[]; problems: string[] }> => {
    const { loadCatalogue, runbookDirectories } = await import('../runbook/catalogue.js');
    const { runbooks, problems } = loadCatalogue(runbookDirectories(this.#storeOptions()));
    return { runbooks, problems: problems.map((p) => sanitise(p)) };
  };

  /**
   * Start a runbook over the live connection; its transcript goes where `opsdeck runbook log`
   * reads them. A read-only session runs plans only (check steps). Without a connection (a locked
   * server) manual steps still work and everything that needs the server fails as not connected.
   */
  readonly startRunbook = async (runbook: Runbook, params: ReadonlyMap<string, string>, opts: { plan: boolean }): Promise<RunStore> => {
    if (this.readonly && !opts.plan) throw new UserError('read-only: runbooks run only as plans (p) with --readonly');
    const [{ startRun }, { runsDirectory }] = await Promise.all([import('../runbook/run-store.js'), import('../runbook/transcript.js')]);
    const conn = this.#conn;
    const target = this.#target;
    const offline = `not connected: ${target.label} does not answer`;
    // The connection is looked up at each step, not once: a run that unlocks the server goes on
    // over the connection the session opens once the server is back.
    const server: RunnerServer = { execStream: (argv, o) => (this.#conn ? this.#conn.execStream(argv, o) : Promise.reject(new Error(offline))) };
    const ports = new WeakMap<ServerConnection, ActionPort>();
    const actions: ActionPort = {
      run: async (argv, ctx) => {
        if (argv[0] === 'unlock') return this.#unlockStep(argv, ctx);
        const c = this.#conn;
        if (!c) return { ok: false, code: null, message: offline };
        let port = ports.get(c);
        if (!port) {
          const make = this.#opts.runbookActions;
          port = make ? await make(c) : { run: async () => ({ ok: false, code: null, message: 'typed actions are not available in this session' }) };
          ports.set(c, port);
        }
        return port.run(argv, ctx);
      },
    };
    const hop = conn?.hops().at(-1);
    const run = await startRun({
      runbook,
      params,
      plan: opts.plan,
      server,
      serverName: target.label,
      profile: target.label,
      host: target.kind === 'ssh' ? target.host : 'local',
      fingerprint: hop ? hop.hostKey.fingerprint : null,
      production: this.production,
      actions,
      runsDir: runsDirectory(this.#storeOptions()),
    });
    this.#run = { title: runbook.title, store: run };
    return run;
  };

  /** The title of the runbook running against this server now, if any (the fleet shows it). */
  get runningRunbook(): string | undefined {
    const r = this.#run;
    return r && r.store.getSnapshot().status === 'running' ? r.title : undefined;
  }

  /**
   * A runbook's `unlock` step in the TUI: the unlock screen's own flow (probe, Dropbear, wait for
   * sshd with its known key), with the passphrase asked in the run screen. An unknown initramfs
   * key is refused here: it is pinned while the server is up (`:unlock`, p).
   */
  async #unlockStep(argv: readonly string[], ctx: ActionContext): Promise<RunbookActionResult> {
    if (argv.length > 1) return { ok: false, code: null, message: 'unlock takes no arguments in a runbook' };
    const { store, actions } = await this.openUnlock();
    return new Promise<RunbookActionResult>((resolve) => {
      let started = false;
      let asking = false;
      let logged = 0;
      let done = false;
      const finish = (r: RunbookActionResult): void => {
        if (done) return;
        done = true;
        off();
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = (): void => {
        actions.cancel();
        finish({ ok: false, code: null, message: 'stopped' });
      };
      ctx.signal.addEventListener('abort', onAbort);
      const off = store.subscribe(() => {
        const snap = store.getSnapshot();
        for (const line of snap.log.slice(logged)) ctx.output('info', line);
        logged = snap.log.length;
        const c = snap.current;
        if (c.phase === 'detected') {
          if (c.state === 'up') finish({ ok: true, code: 0, message: `${snap.label} is up: nothing to unlock` });
          else if (c.state === 'waiting-for-passphrase') {
            if (!started) {
              started = true;
              // After the probe has finished: the store starts nothing while it is busy probing.
              setTimeout(() => actions.start(), 0);
            }
          } else finish({ ok: false, code: 2, message: c.message });
        } else if (c.phase === 'secret') {
          if (asking) return;
          if (!ctx.askSecret) {
            actions.cancelSecret();
            return;
          }
          asking = true;
          void ctx.askSecret(c.prompt).then((secret) => {
            asking = false;
            if (secret) actions.submitSecret(secret);
            else actions.cancelSecret();
          });
        } else if (c.phase === 'host-key') {
          actions.answerHostKey(false);
          finish({ ok: false, code: 2, message: `the initramfs of ${snap.label} has a key opsdeck does not know: pin it while the server is up (:unlock, then p)` });
        } else if (c.phase === 'back') finish({ ok: true, code: 0, message: c.line });
        else if (c.phase === 'failed') finish({ ok: false, code: 1, message: c.line });
      });
    });
  }

  #storeOptions(): { configPath?: string; env?: NodeJS.ProcessEnv } {
    const configPath = this.#opts.flags?.config;
    return { ...(configPath ? { configPath } : {}), ...(this.#opts.env ? { env: this.#opts.env } : {}) };
  }

  readonly retry = (): void => {
    if (this.getSnapshot().phase === 'failed') void this.start();
  };

  /** Act on a service (or one replica). Refused in read-only mode, whatever the screen asked. */
  readonly act = async (action: ServiceAction, row: ServiceRow, containerId?: string): Promise<ActionResult> => {
    const snap = this.getSnapshot();
    if (this.readonly) return { ok: false, message: 'read-only: actions are disabled (--readonly, or the profile says readonly)' };
    if (snap.phase !== 'ready') return { ok: false, message: 'not connected' };
    const target = actionTarget(row, containerId);
    const result = await runAction(snap.conn, action, target, { composeDir: this.#target.profile?.compose?.directory });
    await Promise.all(target.containers.map((c) => snap.grid.refreshContainer(c.id)));
    return result;
  };

  /** The exact command a recreate will run, for the confirmation. */
  readonly recreateCommand = (row: ServiceRow): string => describeRecreate(actionTarget(row), this.#target.profile?.compose?.directory);

  /** The connection, for hand-over work outside Ink (an interactive shell). */
  get connection(): ServerConnection | undefined {
    return this.#conn;
  }

  readonly close = async (): Promise<void> => {
    this.#closed = true;
    this.prompts.cancelAll();
    const snap = this.getSnapshot();
    if (snap.phase === 'ready') snap.grid.stop();
    await this.#conn?.close().catch(() => undefined);
  };
}

const KEEP_LOADING = (): void => {};

/** What a failed connect means for trying again: only an unreachable server is retried by itself. */
function failureKind(err: unknown): FailureKind {
  if (!(err instanceof ConnectError)) return 'other';
  if (err.step === 'host-key') return 'host-key';
  if (err.step === 'auth') return 'auth';
  return err.retryable ? 'unreachable' : 'other';
}

export function actionTarget(row: ServiceRow, containerId?: string): ActionTarget {
  const containers = row.replicas.map((r) => r.container).filter((c) => containerId === undefined || c.id === containerId);
  const label = containerId ? containers[0]?.name ?? containerId : row.project ? `${row.project}/${row.service}` : row.service;
  return { label, containers };
}
