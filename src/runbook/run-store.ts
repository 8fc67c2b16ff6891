/**
 * A runbook run as the TUI shows it: a store fed by the runner's events (the same events the
 * transcript writes), holding each step's state and a bounded ring of its output, the run's
 * status, and the one question the run is waiting on (a confirmation or a manual step) with the
 * resolver the screen answers through. `startRun` wires a run the way `opsdeck runbook run` does:
 * start event, transcript writer, runner, with the store as the runner's Interaction.
 *
 * Also here, because the screens must not work it out themselves: which of a grid row's faults
 * runbooks are offered for, and a runbook's list entry with its text made safe to draw.
 */
import { Store } from '../model/store.js';
import { MASK } from '../docker/secret-mask.js';
import { sanitise } from '../text/sanitise.js';
import { runbooksFor } from './catalogue.js';
import { RunbookRunner, type ActionPort, type Interaction, type RunnerServer } from './runbook-runner.js';
import type { Fault, Runbook, StepKind } from './runbook-types.js';
import { openRunTranscript, operator, startEvent } from './run-start.js';
import { newRunId } from './transcript.js';
import type { RunStatus, StepStatus, TranscriptEvent } from './transcript-events.js';

/** Lines of output kept per step; older ones are dropped (and counted). */
export const MAX_STEP_LINES = 5000;
/** A longer line is cut: a screen shows a line's start, and a 64 KB line is a log dump, not a line. */
export const MAX_LINE_CHARS = 2000;
/** Output is published at most this often; a step's state changes are published at once. */
export const PUBLISH_INTERVAL_MS = 50;

export type StepState = 'pending' | 'running' | StepStatus;

export interface OutputLine {
  stream: 'stdout' | 'stderr' | 'info';
  text: string;
}

export interface RunStepView {
  id: string;
  title: string;
  kind: StepKind;
  state: StepState;
  /** The expanded command, as the step-start event gave it (masked). */
  command: string | undefined;
  reason: string | undefined;
  code: number | null | undefined;
  ms: number | undefined;
  /** The newest lines (at most the store's bound), oldest first. */
  lines: readonly OutputLine[];
  /** Lines that arrived but were dropped to keep the bound. */
  dropped: number;
}

export type RunPrompt =
  | { kind: 'confirm'; id: number; step: string; title: string; command: string; server: string; typeServerName: boolean }
  | { kind: 'acknowledge'; id: number; step: string; title: string; text: string }
  | { kind: 'secret'; id: number; step: string; title: string; text: string };

export interface RunSnapshot {
  run: string;
  runbook: string;
  title: string;
  server: string;
  plan: boolean;
  /** Values as the transcript has them: secret ones masked. */
  params: Readonly<Record<string, string>>;
  status: 'running' | RunStatus;
  /** A stop was asked for and the run has not ended yet. */
  stopping: boolean;
  steps: readonly RunStepView[];
  /** The step running now, else the last one that ran. */
  current: string | undefined;
  prompt: RunPrompt | undefined;
  transcript: string;
  /** Why the transcript could not be written (the run went on without it). */
  transcriptError: string | undefined;
  /** Set when a run ended other than done: the command that picks it up again. */
  resumeCommand: string | undefined;
  /** The run broke off with an error of opsdeck's own. */
  error: string | undefined;
}

export type ConfirmReply = { answer: 'yes' | 'no'; typed?: string };
export type AcknowledgeReply = 'done' | 'skip' | 'stop';

/** What the run screen calls. */
export interface RunActions {
  confirm(id: number, reply: ConfirmReply): void;
  acknowledge(id: number, answer: AcknowledgeReply): void;
  answerSecret(id: number, secret: Buffer | null): void;
  /** Stop after (by interrupting) the current step; a question waiting is answered no / stop. */
  stop(): void;
}

export interface RunStoreOptions {
  runbook: Runbook;
  run: string;
  server: string;
  plan: boolean;
  transcript: string;
  maxLines?: number;
  /** 0 publishes every event at once (tests). */
  publishMs?: number;
}

interface StepAcc {
  view: RunStepView;
  lines: OutputLine[];
  dropped: number;
  /** The stream whose last line has not ended yet. */
  open: 'stdout' | 'stderr' | null;
  dirty: boolean;
}

type Pending =
  | { prompt: Extract<RunPrompt, { kind: 'confirm' }>; resolve: (r: ConfirmReply) => void }
  | { prompt: Extract<RunPrompt, { kind: 'acknowledge' }>; resolve: (r: AcknowledgeReply) => void }
  | { prompt: Extract<RunPrompt, { kind: 'secret' }>; resolve: (r: Buffer | null) => void };

const clean = (s: string): string => sanitise(s, { multiline: true });

/** A question nobody will answer any more gets the answer that runs nothing. */
function refuse(p: Pending | undefined): void {
  if (p?.prompt.kind === 'confirm') (p.resolve as (r: ConfirmReply) => void)({ answer: 'no' });
  else if (p?.prompt.kind === 'acknowledge') (p.resolve as (r: AcknowledgeReply) => void)('stop');
  else if (p) (p.resolve as (r: Buffer | null) => void)(null);
}
const oneLine = (s: string): string => sanitise(s);

export class RunStore extends Store<RunSnapshot> implements RunActions {
  readonly #max: number;
  readonly #publishMs: number;
  readonly #steps: StepAcc[];
  readonly #byId = new Map<string, StepAcc>();
  #meta: Omit<RunSnapshot, 'steps' | 'prompt'>;
  #pending: Pending | undefined;
  #promptSeq = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopper: (() => void) | undefined;

  constructor(opts: RunStoreOptions) {
    const steps = opts.runbook.steps.map((s) => stepAcc(s.id, oneLine(s.title), s.kind));
    const meta: Omit<RunSnapshot, 'steps' | 'prompt'> = {
      run: opts.run,
      runbook: oneLine(opts.runbook.id),
      title: oneLine(opts.runbook.title),
      server: oneLine(opts.server),
      plan: opts.plan,
      params: {},
      status: 'running',
      stopping: false,
      current: undefined,
      transcript: opts.transcript,
      transcriptError: undefined,
      resumeCommand: undefined,
      error: undefined,
    };
    super({ ...meta, steps: steps.map((s) => s.view), prompt: undefined });
    this.#max = Math.max(1, opts.maxLines ?? MAX_STEP_LINES);
    this.#publishMs = opts.publishMs ?? PUBLISH_INTERVAL_MS;
    this.#steps = steps;
    for (const s of steps) this.#byId.set(s.view.id, s);
    this.#meta = meta;
  }

  /** How stop() reaches the runner (startRun sets it). */
  setStopper(stop: () => void): void {
    this.#stopper = stop;
  }

  /** One event from the runner (already sanitised and masked), in the order it was emitted. */
  apply(e: TranscriptEvent): void {
    switch (e.t) {
      case 'start':
        this.#meta = { ...this.#meta, params: { ...e.params }, plan: e.plan };
        return this.#publish();
      case 'resume':
        return;
      case 'step-start': {
        const acc = this.#step(e.step, e.title, e.kind);
        if (acc.view.state !== 'pending') this.#append(acc, 'info', `— ${e.step} runs again —`);
        acc.view = { ...acc.view, state: 'running', command: e.command, reason: undefined, code: undefined, ms: undefined };
        acc.dirty = true;
        this.#meta = { ...this.#meta, current: e.step };
        return this.#publish();
      }
      case 'output': {
        const acc = this.#step(e.step);
        this.#append(acc, e.stream, e.text);
        return this.#schedule();
      }
      case 'step-end': {
        const acc = this.#step(e.step);
        acc.open = null;
        acc.view = { ...acc.view, state: e.status, code: e.code, ms: e.ms, reason: e.reason };
        acc.dirty = true;
        return this.#publish();
      }
      case 'confirm':
      case 'ack':
        return;
      case 'end':
        this.#end(e.status);
        return;
    }
  }

  /** The run broke off with an error of opsdeck's own (not a step failing). */
  fail(message: string): void {
    this.#meta = { ...this.#meta, error: oneLine(message) };
    this.#end('failed');
  }

  /** The transcript could not be written. */
  transcriptFailed(message: string): void {
    this.#meta = { ...this.#meta, transcriptError: oneLine(message) };
    this.#publish();
  }

  /** The runner's Interaction: each question becomes the snapshot's prompt until the screen answers it. */
  readonly interaction: Interaction = {
    confirm: (req) =>
      new Promise<ConfirmReply>((resolve) => {
        if (this.#meta.stopping || this.#meta.status !== 'running') return resolve({ answer: 'no' });
        const prompt = { kind: 'confirm' as const, id: ++this.#promptSeq, step: req.step.id, title: oneLine(req.step.title), command: clean(req.command), server: oneLine(req.server), typeServerName: req.typeServerName };
        this.#ask({ prompt, resolve });
      }),
    acknowledge: (req) =>
      new Promise<AcknowledgeReply>((resolve) => {
        if (this.#meta.stopping || this.#meta.status !== 'running') return resolve('stop');
        const prompt = { kind: 'acknowledge' as const, id: ++this.#promptSeq, step: req.step.id, title: oneLine(req.step.title), text: clean(req.text) };
        this.#ask({ prompt, resolve });
      }),
    askSecret: (req) =>
      new Promise<Buffer | null>((resolve) => {
        if (this.#meta.stopping || this.#meta.status !== 'running') return resolve(null);
        const prompt = { kind: 'secret' as const, id: ++this.#promptSeq, step: req.step.id, title: oneLine(req.step.title), text: oneLine(req.prompt) };
        this.#ask({ prompt, resolve });
      }),
  };

  /** The masked input's answer (null: cancelled). The Buffer goes to whoever asked, who zeroes it. */
  readonly answerSecret = (id: number, secret: Buffer | null): void => {
    const p = this.#pending;
    if (!p || p.prompt.id !== id || p.prompt.kind !== 'secret') {
      secret?.fill(0);
      return;
    }
    this.#pending = undefined;
    this.#publish();
    (p.resolve as (r: Buffer | null) => void)(secret);
  };

  readonly confirm = (id: number, reply: ConfirmReply): void => {
    const p = this.#pending;
    if (!p || p.prompt.id !== id || p.prompt.kind !== 'confirm') return;
    this.#pending = undefined;
    this.#publish();
    (p.resolve as (r: ConfirmReply) => void)(reply);
  };

  readonly acknowledge = (id: number, answer: AcknowledgeReply): void => {
    const p = this.#pending;
    if (!p || p.prompt.id !== id || p.prompt.kind !== 'acknowledge') return;
    this.#pending = undefined;
    this.#publish();
    (p.resolve as (r: AcknowledgeReply) => void)(answer);
  };

  readonly stop = (): void => {
    if (this.#meta.status !== 'running' || this.#meta.stopping) return;
    this.#meta = { ...this.#meta, stopping: true };
    this.#stopper?.();
    const p = this.#pending;
    this.#pending = undefined;
    this.#publish();
    refuse(p);
  };

  #ask(p: Pending): void {
    this.#pending = p;
    this.#publish();
  }

  #end(status: RunStatus): void {
    if (this.#meta.status !== 'running') return;
    const p = this.#pending;
    this.#pending = undefined;
    for (const acc of this.#steps) acc.open = null;
    this.#meta = {
      ...this.#meta,
      status,
      stopping: false,
      resumeCommand: status !== 'done' && !this.#meta.plan ? `opsdeck runbook resume ${this.#meta.run}` : undefined,
    };
    this.#publish();
    refuse(p);
  }

  #step(id: string, title?: string, kind?: string): StepAcc {
    let acc = this.#byId.get(id);
    if (!acc) {
      // A step the runbook as loaded does not have (it changed on disk): shown after the others.
      acc = stepAcc(id, oneLine(title ?? id), (kind as StepKind | undefined) ?? 'check');
      this.#steps.push(acc);
      this.#byId.set(id, acc);
    }
    return acc;
  }

  #append(acc: StepAcc, stream: OutputLine['stream'], text: string): void {
    if (text === '') return;
    const ends = text.endsWith('\n');
    const parts = text.split('\n');
    if (ends) parts.pop();
    if (stream !== 'info' && acc.open === stream && acc.lines.length > 0 && parts.length > 0) {
      const last = acc.lines[acc.lines.length - 1]!;
      acc.lines[acc.lines.length - 1] = { stream, text: capLine(last.text + parts.shift()!) };
    }
    for (const part of parts) acc.lines.push({ stream, text: capLine(part) });
    acc.open = stream !== 'info' && !ends ? stream : null;
    // Trimmed in batches: a splice per line would cost the whole ring each time.
    if (acc.lines.length > 2 * this.#max) {
      const n = acc.lines.length - this.#max;
      acc.lines.splice(0, n);
      acc.dropped += n;
    }
    acc.dirty = true;
  }

  #schedule(): void {
    if (this.#publishMs <= 0) return this.#publish();
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#publish();
    }, this.#publishMs);
  }

  #publish(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    for (const acc of this.#steps) {
      if (!acc.dirty) continue;
      acc.dirty = false;
      const over = Math.max(0, acc.lines.length - this.#max);
      acc.view = { ...acc.view, lines: over ? acc.lines.slice(over) : acc.lines.slice(), dropped: acc.dropped + over };
    }
    this.set({ ...this.#meta, steps: this.#steps.map((s) => s.view), prompt: this.#pending?.prompt });
  }
}

function stepAcc(id: string, title: string, kind: StepKind): StepAcc {
  return {
    view: { id, title, kind, state: 'pending', command: undefined, reason: undefined, code: undefined, ms: undefined, lines: [], dropped: 0 },
    lines: [],
    dropped: 0,
    open: null,
    dirty: false,
  };
}

function capLine(text: string): string {
  if (text.length <= MAX_LINE_CHARS) return text;
  let cut = MAX_LINE_CHARS;
  // Not between the two halves of a surrogate pair.
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${text.slice(0, cut)} … (${text.length - cut} more characters)`;
}

export interface StartRunOptions {
  runbook: Runbook;
  params: ReadonlyMap<string, string>;
  plan: boolean;
  server: RunnerServer;
  /** The name confirmations show and a production confirmation must be typed as (the target's label). */
  serverName: string;
  /** For the transcript's start event. */
  profile: string;
  host: string;
  fingerprint: string | null;
  production: boolean;
  actions: ActionPort;
  /** Where transcripts go (transcript.ts runsDirectory). */
  runsDir: string;
  /** Defaults: a new id, os user and host name, the clock. */
  run?: string;
  user?: string;
  from?: string;
  now?: () => number;
  maxLines?: number;
  publishMs?: number;
}

/**
 * Start a run and return its store at once; the run goes on in the background and ends in the
 * store's status. Wired as `opsdeck runbook run` wires one: the same start event (secret values
 * masked), the same transcript writer, the same runner; people are asked through the store.
 */
export function startRun(o: StartRunOptions): RunStore {
  const now = o.now ?? Date.now;
  const id = o.run ?? newRunId(o.runbook.id, new Date(now()));
  const { file, writer, scrub, secretNames } = openRunTranscript(o.runbook, o.params, o.runsDir, id);
  const store = new RunStore({
    runbook: o.runbook,
    run: id,
    server: o.serverName,
    plan: o.plan,
    transcript: file,
    ...(o.maxLines !== undefined ? { maxLines: o.maxLines } : {}),
    ...(o.publishMs !== undefined ? { publishMs: o.publishMs } : {}),
  });
  let reported = false;
  const emit = (e: TranscriptEvent): void => {
    writer.append(e);
    if (writer.error && !reported) {
      reported = true;
      store.transcriptFailed(writer.error.message);
    }
    store.apply(e);
  };
  emit(
    startEvent({
      run: id,
      at: new Date(now()),
      runbook: o.runbook,
      params: o.params,
      secretNames,
      server: { profile: o.profile, host: o.host, fingerprint: o.fingerprint },
      plan: o.plan,
      who: { user: o.user ?? operator().user, from: o.from ?? operator().from },
    }),
  );
  const runner = new RunbookRunner({
    runbook: o.runbook,
    params: o.params,
    server: o.server,
    serverName: o.serverName,
    actions: o.actions,
    interaction: store.interaction,
    emit,
    scrub,
    plan: o.plan,
    production: o.production,
    now,
  });
  store.setStopper(() => runner.stop());
  runner.run().catch((err: unknown) => store.fail(scrub(err instanceof Error ? err.message : String(err))));
  return store;
}

/** The grid's fault reasons runbooks are offered for, in the order they are asked about. */
const OFFERED: readonly Fault[] = ['restart-loop', 'unhealthy', 'exited-nonzero'];

/** Which of a service row's fault reasons have runbooks (unhealthy, restart-loop, exited non-zero). */
export function offeredFaults(reasons: readonly string[]): Fault[] {
  return OFFERED.filter((f) => reasons.includes(f));
}

/** The runbooks for a service's faults, those narrowed to the service first, each once. */
export function runbooksForService(runbooks: readonly Runbook[], reasons: readonly string[], service: { project: string | null; service: string }): Runbook[] {
  const out: Runbook[] = [];
  for (const fault of offeredFaults(reasons)) for (const r of runbooksFor(runbooks, fault, service)) if (!out.includes(r)) out.push(r);
  return out;
}

/** The runbooks offered when a server waits for its disk passphrase. */
export function runbooksForLockedServer(runbooks: readonly Runbook[]): Runbook[] {
  return runbooks.filter((r) => r.offerOn.some((o) => o.fault === 'server-locked'));
}

/** One parameter as the form shows it. */
export interface ParamField {
  name: string;
  description: string | undefined;
  default: string | undefined;
  enum: readonly string[] | undefined;
  pattern: string | undefined;
  secret: boolean;
  required: boolean;
}

/** A runbook as the list shows it: its text from a file, made safe to draw. */
export interface RunbookEntry {
  id: string;
  title: string;
  description: string | undefined;
  /** `restart-loop, exited-nonzero (shop/api)` */
  faults: string;
  source: string;
  params: readonly ParamField[];
  runbook: Runbook;
}

export function runbookEntry(r: Runbook): RunbookEntry {
  return {
    id: oneLine(r.id),
    title: oneLine(r.title),
    description: r.description === undefined ? undefined : oneLine(r.description),
    faults: oneLine(r.offerOn.map((o) => (o.service ? `${o.fault} (${o.service})` : o.fault)).join(', ')),
    source: oneLine(r.source),
    params: r.params.map((p) => ({
      name: oneLine(p.name),
      description: p.description === undefined ? undefined : oneLine(p.description),
      // A secret's default is never drawn.
      default: p.secret || p.default === undefined ? undefined : oneLine(p.default),
      enum: p.enum?.map(oneLine),
      pattern: p.pattern === undefined ? undefined : oneLine(p.pattern),
      secret: p.secret,
      required: p.required,
    })),
    runbook: r,
  };
}

/** What the TUI needs of a session to offer runbooks (SessionStore provides it). */
export interface RunbookAccess {
  /** The runbooks there are (read again each time) and one line per file that could not be used. */
  loadRunbooks(): Promise<{ runbooks: Runbook[]; problems: string[] }>;
  /** Start a run over the session's connection; refused (throws) in read-only mode unless a plan. */
  startRunbook(runbook: Runbook, params: ReadonlyMap<string, string>, opts: { plan: boolean }): Promise<RunStore>;
}
