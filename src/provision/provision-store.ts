/**
 * The provision wizard for the TUI: one store the screen reads and one object of actions it
 * calls. The store owns the connection, runs the engine (src/provision/run.ts) and turns its
 * questions (go on with this step? a value for the .env?) into snapshot fields the screen
 * answers. Transport questions (host key, root's password) go through the PromptStore.
 */
import { Store } from '../model/store.js';
import { PromptStore } from '../model/prompt-store.js';
import { sanitise } from '../text/sanitise.js';
import type { ServerConnection } from '../transport/connection.js';
import type { Prompter } from '../transport/prompter.js';
import { UserError } from '../errors.js';
import { planLines, STATUS_WORD } from './plan-text.js';
import { createProvisionContext } from './provision-context.js';
import { runProvision, type Answer, type RunOutcome, type StepReport } from './run.js';
import type { ProvisionSettings } from './settings.js';
import type { ProvisionContext } from './step.js';
import { PROVISION_STEPS } from './steps/index.js';
import type { SudoMode } from './sudoers.js';

export type OfferState = { status: 'unavailable'; why: string } | { status: 'ready' } | { status: 'running' } | { status: 'done'; lines: string[] };

export interface ProvisionSnapshot {
  phase: 'choose' | 'connecting' | 'running' | 'finished';
  label: string;
  planOnly: boolean;
  deployUser: string;
  identityFile: string;
  sudo: SudoMode;
  http3: boolean;
  app: string | undefined;
  connectStep: string | undefined;
  reports: readonly StepReport[];
  /** Display lines per report (found, plan, notes, results). */
  details: readonly (readonly string[])[];
  /** Index of the step whose plan waits for y / s / q. */
  asking: number | undefined;
  /** A value the current step needs (masked when secret). */
  question: { prompt: string; secret: boolean } | undefined;
  /** Commands as they are sent (the last few). */
  log: readonly string[];
  outcome: { ok: boolean; changed: boolean; summary: string } | undefined;
  error: { message: string; hint: string | undefined } | undefined;
  offers: { unlock: OfferState; backup: OfferState };
}

export interface ProvisionActions {
  chooseSudo(mode: SudoMode): void;
  toggleHttp3(): void;
  start(): void;
  answer(a: Answer): void;
  submitValue(value: Buffer | null): void;
  runUnlockCheck(): void;
  scheduleBackup(): void;
}

export interface ProvisionDeps {
  label: string;
  settings: ProvisionSettings;
  planOnly: boolean;
  /** Open the connection (asking through `prompter`). */
  connect(prompter: Prompter): Promise<ServerConnection>;
  /** The offers at the end, when those features are there; each returns lines to show. */
  unlockCheck?: (conn: ServerConnection) => Promise<string[]>;
  backupSchedule?: (conn: ServerConnection) => Promise<string[]>;
  summary(outcome: RunOutcome): string;
}

const LOG_LINES = 8;

export class ProvisionStore extends Store<ProvisionSnapshot> {
  readonly prompts = new PromptStore();
  readonly actions: ProvisionActions;
  #deps: ProvisionDeps;
  #conn: ServerConnection | undefined;
  #ctx: ProvisionContext | undefined;
  #pendingAnswer: ((a: Answer) => void) | undefined;
  #pendingValue: ((v: Buffer | null) => void) | undefined;

  constructor(deps: ProvisionDeps) {
    super({
      phase: 'choose',
      label: deps.label,
      planOnly: deps.planOnly,
      deployUser: deps.settings.deployUser,
      identityFile: deps.settings.identityFile,
      sudo: deps.settings.sudo,
      http3: deps.settings.http3,
      app: deps.settings.app?.name,
      connectStep: undefined,
      reports: [],
      details: [],
      asking: undefined,
      question: undefined,
      log: [],
      outcome: undefined,
      error: undefined,
      offers: {
        unlock: deps.unlockCheck ? { status: 'ready' } : { status: 'unavailable', why: 'the unlock feature is not in this build' },
        backup: deps.backupSchedule ? { status: 'ready' } : { status: 'unavailable', why: 'no backup settings in the profile: set them up in the backup wizard first' },
      },
    });
    this.#deps = deps;
    this.actions = {
      chooseSudo: (mode) => this.#choosing() && this.update((s) => ({ ...s, sudo: mode })),
      toggleHttp3: () => this.#choosing() && this.update((s) => ({ ...s, http3: !s.http3 })),
      start: () => void this.#start(),
      answer: (a) => {
        const r = this.#pendingAnswer;
        if (!r) return;
        this.#pendingAnswer = undefined;
        this.update((s) => ({ ...s, asking: undefined }));
        r(a);
      },
      submitValue: (v) => {
        const r = this.#pendingValue;
        if (!r) {
          v?.fill(0);
          return;
        }
        this.#pendingValue = undefined;
        this.update((s) => ({ ...s, question: undefined }));
        r(v);
      },
      runUnlockCheck: () => void this.#offer('unlock', deps.unlockCheck),
      scheduleBackup: () => void this.#offer('backup', deps.backupSchedule),
    };
  }

  #choosing(): boolean {
    return this.getSnapshot().phase === 'choose';
  }

  #ask(prompt: string, secret: boolean): Promise<Buffer | null> {
    return new Promise((resolve) => {
      this.#pendingValue = resolve;
      this.update((s) => ({ ...s, question: { prompt: sanitise(prompt), secret } }));
    });
  }

  async #start(): Promise<void> {
    const snap = this.getSnapshot();
    if (snap.phase !== 'choose') return;
    const settings: ProvisionSettings = { ...this.#deps.settings, sudo: snap.sudo, http3: snap.http3 };
    this.set({ ...snap, phase: 'connecting' });
    try {
      this.#conn = await this.#deps.connect(this.prompts);
      this.#ctx = await createProvisionContext(this.#conn, settings, {
        prompter: this.prompts,
        askValue: (v) => this.#ask(`${v.name}${v.message ? ` (${v.message})` : ''}`, v.secret),
        askPassword: (p) => this.#ask(p, true),
        log: (l) => this.#log(l),
        onCommand: (line, result) => this.#log(result ? (result.code === 0 ? '' : `  (exit ${result.code ?? 'signal'})`) : `$ ${line}`),
      });
    } catch (err) {
      this.update((s) => ({ ...s, phase: 'finished', error: { message: sanitise((err as Error)?.message ?? String(err)), hint: err instanceof UserError && err.hint ? sanitise(err.hint) : undefined } }));
      return;
    }
    const ctx = this.#ctx;
    this.update((s) => ({ ...s, phase: 'running', reports: [], details: [] }));
    const outcome = await runProvision(ctx, PROVISION_STEPS, {
      planOnly: this.#deps.planOnly,
      confirm: (report) =>
        new Promise<Answer>((resolve) => {
          this.#pendingAnswer = resolve;
          this.update((s) => ({ ...s, asking: s.reports.findIndex((r) => r.id === report.id) }));
        }),
      onReport: (report) =>
        this.update((s) => {
          const reports = [...s.reports];
          const details = [...s.details];
          let i = reports.findIndex((r) => r.id === report.id);
          if (i < 0) i = reports.length;
          reports[i] = report;
          details[i] = [...planLines(ctx, report), ...report.lines];
          return { ...s, reports, details };
        }),
    });
    this.update((s) => ({ ...s, phase: 'finished', outcome: { ok: outcome.ok, changed: outcome.changed, summary: this.#deps.summary(outcome) } }));
  }

  #log(line: string): void {
    if (!line) return;
    this.update((s) => ({ ...s, log: [...s.log, sanitise(line)].slice(-LOG_LINES) }));
  }

  async #offer(which: 'unlock' | 'backup', fn: ((conn: ServerConnection) => Promise<string[]>) | undefined): Promise<void> {
    const s = this.getSnapshot();
    if (!fn || !this.#conn || s.phase !== 'finished' || !s.outcome?.ok || s.offers[which].status === 'running') return;
    this.update((x) => ({ ...x, offers: { ...x.offers, [which]: { status: 'running' } } }));
    let lines: string[];
    try {
      lines = (await fn(this.#conn)).map((l) => sanitise(l));
    } catch (err) {
      lines = [`failed: ${sanitise((err as Error)?.message ?? String(err))}`];
    }
    this.update((x) => ({ ...x, offers: { ...x.offers, [which]: { status: 'done', lines } } }));
  }

  readonly close = async (): Promise<void> => {
    this.prompts.cancelAll();
    this.#pendingAnswer?.('stop');
    this.#pendingValue?.(null);
    await this.#conn?.close().catch(() => undefined);
  };
}

/** One line per step for the list: "✓ SSH hardening: changed". */
export function stepLine(r: StepReport): string {
  return `${r.title}: ${STATUS_WORD[r.status]}`;
}
