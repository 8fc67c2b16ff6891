/**
 * Runs a runbook's steps in order against one server: shell steps over the session's connection
 * (shell-step.ts), typed actions through an ActionPort the caller supplies (the CLI and the TUI
 * hand in the same code the grid and commands use), people through an Interaction (a prompt on
 * the command line, a dialog in the TUI). Everything that happens is an event: the transcript
 * writes them, the screens draw them.
 */
import { sanitise } from '../text/sanitise.js';
import type { ExecStream } from '../transport/exec-types.js';
import type { ActionBody, Runbook, Step, RunbookTarget } from './runbook-types.js';
import { parseCaptures, shellProgram } from './shell-step.js';
import { StepOutput, type OutputStream } from './step-output.js';

export type { OutputStream };
import type { StepEndEvent, TranscriptEvent } from './transcript-events.js';
import { evaluateWhen, parseWhen, whenNames, type StepOutcome, type WhenScope } from './when-expr.js';

export interface RunnerServer {
  execStream(argv: readonly string[], opts?: { stdin?: Buffer | string }): Promise<ExecStream>;
}


export interface ActionResult {
  ok: boolean;
  /** Exit status where the action has one (a command's), else 0 or 1. */
  code: number | null;
  /** One line: what happened. */
  message: string;
  captures?: Record<string, string>;
}

/** The typed opsdeck actions (restart, logs, backup …), implemented above this room. */
export interface ActionContext {
  output: (stream: OutputStream, text: string) => void;
  signal: AbortSignal;
  target: RunbookTarget;
  /** Ask the person for a secret (unlock's passphrase) where the interaction can; null: not given. */
  askSecret?: (prompt: string) => Promise<Buffer | null>;
}

export interface ActionPort {
  run(argv: readonly string[], ctx: ActionContext): Promise<ActionResult>;
}

export interface ConfirmRequest {
  step: Step;
  /** The exact command or action, expanded, secrets masked. */
  command: string;
  server: string;
  /** The operator must type the server's name, not just say yes. */
  typeServerName: boolean;
}

export interface Interaction {
  confirm(req: ConfirmRequest): Promise<{ answer: 'yes' | 'no'; typed?: string }>;
  acknowledge(req: { step: Step; text: string }): Promise<'done' | 'skip' | 'stop'>;
  /** A secret read with echo off; the Buffer is the caller's to zero. Absent: nothing can be asked. */
  askSecret?(req: { step: Step; prompt: string }): Promise<Buffer | null>;
}

export type RunStatus = 'done' | 'failed' | 'stopped';

export interface ResumePoint {
  /** Steps already ok or skipped: never run again. */
  completed: ReadonlySet<string>;
  outcomes: ReadonlyMap<string, StepOutcome>;
  captures: ReadonlyMap<string, string>;
  lastCompleted: string | null;
}

export interface RunnerOptions {
  runbook: Runbook;
  params: ReadonlyMap<string, string>;
  server: RunnerServer;
  serverName: string;
  actions: ActionPort;
  interaction: Interaction;
  /** Every event, already sanitised and with secrets masked. */
  emit: (event: TranscriptEvent) => void;
  /** Masks secrets in any text (secret-scrub.ts). */
  scrub: (text: string) => string;
  /** Only check steps run; every other step is printed with its command. */
  plan?: boolean;
  /** Act steps run without asking. */
  yes?: boolean;
  /** A production server: confirmations ask for its name; with `yes`, `yesServer` must equal it. */
  production?: boolean;
  yesServer?: string;
  resume?: ResumePoint;
  now?: () => number;
}

const POLL_EXEC_MAX_MS = 30_000;
/** The client's own bound, past the server's `timeout`: a connection that hangs still ends the step. */
const CLIENT_GRACE_MS = 10_000;

type EndStatus = StepEndEvent['status'];
interface StepResult {
  status: EndStatus;
  code: number | null;
  captures: Map<string, string>;
  reason?: string;
}

export class RunbookRunner {
  readonly #o: RunnerOptions;
  readonly #now: () => number;
  readonly #outcomes = new Map<string, StepOutcome>();
  readonly #captures = new Map<string, string>();
  #stopRequested = false;
  #current: AbortController | undefined;

  constructor(opts: RunnerOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    if (opts.resume) {
      for (const [k, v] of opts.resume.outcomes) this.#outcomes.set(k, v);
      for (const [k, v] of opts.resume.captures) this.#captures.set(k, v);
    }
  }

  /** Stop after (or by interrupting) the current step; the run ends `stopped` and can be resumed. */
  stop(): void {
    this.#stopRequested = true;
    this.#current?.abort();
  }

  get captures(): ReadonlyMap<string, string> {
    return this.#captures;
  }

  async run(): Promise<RunStatus> {
    const started = this.#now();
    const status = await this.#runSteps();
    this.#o.emit({ t: 'end', at: this.#iso(), status, ms: this.#now() - started });
    return status;
  }

  async #runSteps(): Promise<RunStatus> {
    const { runbook, resume } = this.#o;
    const steps = runbook.steps;
    if (resume) {
      // Setup checks describe the world now, not when the run stopped: run them again first.
      for (const id of runbook.setup) {
        const step = steps.find((s) => s.id === id);
        if (!step) continue;
        const r = await this.#runOne(step);
        if (r.status !== 'ok') return this.#stopRequested ? 'stopped' : 'failed';
      }
    }
    let i = 0;
    if (resume?.lastCompleted) i = steps.findIndex((s) => s.id === resume.lastCompleted) + 1;
    let failed = false;
    while (i < steps.length) {
      if (this.#stopRequested) return 'stopped';
      const step = steps[i]!;
      if (resume?.completed.has(step.id)) {
        i++;
        continue;
      }
      const r = await this.#runOne(step);
      if (r.status === 'stopped') return 'stopped';
      if (r.status === 'failed' || r.status === 'timeout') {
        const onFailure = step.onFailure;
        if (onFailure.kind === 'stop') return 'failed';
        if (onFailure.kind === 'goto') {
          const j = steps.findIndex((s) => s.id === onFailure.step);
          // The parser only allows jumps forward, so a run always ends.
          if (j > i) {
            failed = true;
            i = j;
            continue;
          }
          return 'failed';
        }
      }
      i++;
    }
    return failed ? 'failed' : 'done';
  }

  async #runOne(step: Step): Promise<StepResult> {
    const started = this.#now();
    const command = this.#describe(step);
    this.#o.emit({ t: 'step-start', at: this.#iso(), step: step.id, kind: step.kind, title: step.title, command });
    const r = await this.#execute(step, command).catch((err: unknown): StepResult => ({
      status: this.#stopRequested ? 'stopped' : 'failed',
      code: null,
      captures: new Map(),
      reason: this.#clean(err instanceof Error ? err.message : String(err)),
    }));
    for (const [k, v] of r.captures) this.#captures.set(k, v);
    this.#outcomes.set(step.id, { status: r.status, code: r.code });
    const captures: Record<string, string> = {};
    for (const [k, v] of r.captures) captures[k] = this.#clean(v);
    this.#o.emit({
      t: 'step-end',
      at: this.#iso(),
      step: step.id,
      status: r.status,
      code: r.code,
      ms: this.#now() - started,
      captures,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    });
    return r;
  }

  async #execute(step: Step, command: string): Promise<StepResult> {
    const none = new Map<string, string>();
    // A plan cannot know the outcome of steps it does not run, so it shows every other step
    // with its condition instead of evaluating it.
    if (this.#o.plan && step.kind !== 'check') {
      const cond = step.when !== undefined ? ` (if ${step.when})` : '';
      this.#info(step, `plan: would ${step.kind === 'manual' ? 'ask a person to' : 'run'}${cond}: ${command}`);
      return { status: 'skipped', code: null, captures: none, reason: 'plan' };
    }
    if (step.when !== undefined) {
      const expr = parseWhen(step.when);
      if (!evaluateWhen(expr, this.#scope())) {
        const values = whenNames(expr).map((n) => `${n} = ${JSON.stringify(this.#nameValue(n))}`);
        return { status: 'skipped', code: null, captures: none, reason: this.#clean(`when ${step.when} is false (${values.join(', ')})`) };
      }
    }
    if (step.kind === 'manual') {
      const text = this.#clean(step.body.type === 'manual' ? step.body.text : command);
      const answer = await this.#o.interaction.acknowledge({ step, text });
      this.#o.emit({ t: 'ack', at: this.#iso(), step: step.id, answer });
      if (answer === 'stop') this.#stopRequested = true;
      return { status: answer === 'done' ? 'ok' : answer === 'skip' ? 'skipped' : 'stopped', code: null, captures: none };
    }
    if (step.confirm) {
      const confirmed = await this.#confirm(step, command);
      if (!confirmed) {
        this.#stopRequested = true;
        return { status: 'stopped', code: null, captures: none, reason: 'not confirmed' };
      }
    }
    if (this.#stopRequested) return { status: 'stopped', code: null, captures: none };
    return step.kind === 'wait' ? this.#wait(step) : this.#once(step, step.timeoutMs, true);
  }

  async #confirm(step: Step, command: string): Promise<boolean> {
    const { production = false, serverName } = this.#o;
    if (this.#o.yes) {
      // --yes on a production server is accepted only with its name given (--yes-server NAME):
      // a script that was written for staging must not act on production by a wrong --host.
      const ok = !production || this.#o.yesServer === serverName;
      this.#o.emit({ t: 'confirm', at: this.#iso(), step: step.id, answer: ok ? 'yes' : 'no', ...(production ? { typed: this.#o.yesServer ?? '' } : {}) });
      if (!ok) this.#info(step, `not confirmed: ${serverName} is a production server; --yes needs --yes-server ${serverName}`);
      return ok;
    }
    const reply = await this.#o.interaction.confirm({ step, command, server: serverName, typeServerName: production });
    const ok = reply.answer === 'yes' && (!production || reply.typed === serverName);
    this.#o.emit({ t: 'confirm', at: this.#iso(), step: step.id, answer: ok ? 'yes' : 'no', ...(reply.typed !== undefined ? { typed: this.#clean(reply.typed) } : {}) });
    return ok;
  }

  async #wait(step: Step): Promise<StepResult> {
    const deadline = this.#now() + step.timeoutMs;
    let polls = 0;
    for (;;) {
      polls++;
      const left = deadline - this.#now();
      const last = await this.#once(step, Math.max(1000, Math.min(POLL_EXEC_MAX_MS, left)), false);
      if (last.status === 'ok' || last.status === 'stopped') {
        this.#info(step, `${last.status === 'ok' ? 'condition met' : 'stopped'} after ${polls} ${polls === 1 ? 'poll' : 'polls'}`);
        return last;
      }
      if (this.#now() + step.intervalMs >= deadline) {
        this.#info(step, `still not met after ${polls} polls${last.reason ? `: ${last.reason}` : ''}`);
        return { ...last, status: 'timeout', reason: `condition not met within ${Math.round(step.timeoutMs / 1000)} s` };
      }
      if (!(await this.#sleep(step.intervalMs))) return { status: 'stopped', code: null, captures: new Map() };
    }
  }

  /** One run of a shell or action body. `show` prints its output (a wait's polls stay quiet). */
  async #once(step: Step, timeoutMs: number, show: boolean): Promise<StepResult> {
    const abort = new AbortController();
    this.#current = abort;
    try {
      if (step.body.type === 'shell') return await this.#shell(step, timeoutMs, abort.signal, show);
      if (step.body.type === 'action') return await this.#action(step, step.body, timeoutMs, abort.signal, show);
      return { status: 'failed', code: null, captures: new Map(), reason: 'a manual step has nothing to run' };
    } finally {
      this.#current = undefined;
    }
  }

  async #shell(step: Step, timeoutMs: number, signal: AbortSignal, show: boolean): Promise<StepResult> {
    if (step.body.type !== 'shell') throw new Error('not a shell step');
    const program = shellProgram(step.body, this.#shellVars(), { timeoutMs, directory: this.#o.runbook.target.directory });
    const stream = await this.#o.server.execStream(program.argv, { stdin: program.stdin });
    const out = new StepOutput(program.boundary, (s, text) => {
      if (show) this.#output(step, s, text);
    });
    stream.stdout.on('data', (b: Buffer) => out.stdout(b));
    stream.stderr.on('data', (b: Buffer) => out.stderr(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stream.kill();
    }, timeoutMs + CLIENT_GRACE_MS);
    const onAbort = (): void => stream.kill();
    signal.addEventListener('abort', onAbort);
    try {
      const { code } = await stream.wait();
      out.end();
      const { captures, ignored } = parseCaptures(out.captureText());
      if (ignored && show) this.#info(step, `${ignored} line${ignored === 1 ? '' : 's'} in $OPSDECK_OUT were not KEY=VALUE and were ignored`);
      if (signal.aborted) return { status: 'stopped', code, captures };
      // `timeout` exits 124 when it had to end the step (137 after its KILL).
      if (timedOut || ((code === 124 || code === 137) && !out.sawBoundary())) {
        return { status: 'timeout', code, captures, reason: `did not finish within ${Math.round(timeoutMs / 1000)} s` };
      }
      if (!out.sawBoundary() && code !== 0) return { status: 'failed', code, captures, reason: code === 127 ? 'the server has no `timeout` or shell to run the step' : `exit ${code}` };
      return code === 0 ? { status: 'ok', code, captures } : { status: 'failed', code, captures, reason: `exit ${code}` };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  async #action(step: Step, body: ActionBody, timeoutMs: number, signal: AbortSignal, show: boolean): Promise<StepResult> {
    const argv = this.#expand(body);
    if ('error' in argv) return { status: 'failed', code: null, captures: new Map(), reason: argv.error };
    const timer = setTimeout(() => this.#current?.abort(), timeoutMs);
    let timedOut = false;
    signal.addEventListener('abort', () => {
      if (!this.#stopRequested) timedOut = true;
    });
    try {
      const r = await this.#o.actions.run(argv.words, {
        output: (s, text) => {
          if (show) this.#output(step, s, text);
        },
        signal,
        target: this.#o.runbook.target,
        ...(this.#o.interaction.askSecret ? { askSecret: (prompt: string) => this.#o.interaction.askSecret!({ step, prompt: this.#clean(prompt) }) } : {}),
      });
      const captures = new Map(Object.entries(r.captures ?? {}));
      if (show || r.ok) this.#info(step, r.message);
      if (this.#stopRequested) return { status: 'stopped', code: r.code, captures };
      if (timedOut) return { status: 'timeout', code: r.code, captures, reason: `did not finish within ${Math.round(timeoutMs / 1000)} s` };
      // A wait holds only on exit 0: `status` answering 1 (degraded) is not the grid being well.
      const ok = r.ok && (step.kind !== 'wait' || r.code === 0 || r.code === null);
      return ok ? { status: 'ok', code: r.code, captures } : { status: 'failed', code: r.code, captures, reason: this.#clean(r.message) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * ${name} in an action's words becomes a parameter or capture: data, never re-split. A word that
   * was only a reference may not turn into an option (`restore ${id}` with id=--live).
   */
  #expand(body: ActionBody): { words: string[] } | { error: string } {
    const words: string[] = [];
    for (const word of body.argv) {
      let missing: string | undefined;
      const value = word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
        const v = this.#o.params.get(name) ?? this.#captures.get(name);
        if (v === undefined) missing ??= name;
        return v ?? '';
      });
      if (missing !== undefined) return { error: `\${${missing}} has no value (no parameter or capture of that name)` };
      if (value.startsWith('-') && !word.startsWith('-')) return { error: `the value of ${word} starts with '-' and would read as an option: '${this.#clean(value)}'` };
      words.push(value);
    }
    return { words };
  }

  /** What a step does, in one line: the confirmation, the plan and the transcript show it. */
  #describe(step: Step): string {
    const body = step.body;
    if (body.type === 'manual') return this.#clean(body.text);
    if (body.type === 'action') {
      const argv = this.#expand(body);
      return 'error' in argv ? `opsdeck ${body.argv.join(' ')}` : this.#clean(`opsdeck ${argv.words.map(showWord).join(' ')}`);
    }
    const vars = this.#shellVars()
      .filter(([name]) => body.script.includes(name))
      .map(([name, value]) => `${name}=${showWord(value)}`);
    return this.#clean(`${vars.length ? `${vars.join(' ')} ` : ''}${body.shell}: ${body.script.trim()}`);
  }

  #shellVars(): Array<readonly [string, string]> {
    const vars = new Map<string, string>(this.#captures);
    // Parameters win over captures of the same name: the operator chose them.
    for (const [k, v] of this.#o.params) vars.set(k, v);
    return [...vars].filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
  }

  #scope(): WhenScope {
    return { steps: this.#outcomes, params: this.#o.params, captures: this.#captures };
  }

  #nameValue(name: string): string | number | boolean {
    if (name.startsWith('steps.')) {
      const [, id, field] = name.split('.');
      const o = this.#outcomes.get(id ?? '') ?? { status: 'pending' as const };
      if (field === 'ok') return o.status === 'ok';
      if (field === 'code') return o.code ?? '';
      return o.status;
    }
    if (name.startsWith('params.')) return this.#o.params.get(name.slice(7)) ?? '';
    return this.#captures.get(name) ?? this.#o.params.get(name) ?? '';
  }

  #output(step: Step, stream: OutputStream, text: string): void {
    if (text !== '') this.#o.emit({ t: 'output', at: this.#iso(), step: step.id, stream, text: this.#clean(text) });
  }

  #info(step: Step, text: string): void {
    this.#output(step, 'info', text);
  }

  #clean(text: string): string {
    return this.#o.scrub(sanitise(text, { multiline: true }));
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  /** False when the run was stopped during the sleep. */
  #sleep(ms: number): Promise<boolean> {
    const abort = new AbortController();
    this.#current = abort;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.#current = undefined;
        resolve(ok && !this.#stopRequested);
      };
      const timer = setTimeout(() => done(true), ms);
      abort.signal.addEventListener('abort', () => done(false));
    });
  }
}

function showWord(w: string): string {
  return w === '' || /[\s'"\\$`]/.test(w) ? JSON.stringify(w) : w;
}
