/**
 * What a runbook file turns into once it is read and validated (runbook-parse.ts), and what the
 * runner, the transcript and the screens share. Plain data: no functions, so a parsed runbook
 * can be printed, compared in tests and sent to a screen as it is.
 */

/** The faults a runbook can be offered for; the same words the grid's fault badges use. */
export const FAULTS = ['unhealthy', 'restart-loop', 'exited-nonzero', 'memory-critical', 'disk-full', 'backup-rpo', 'server-locked'] as const;
export type Fault = (typeof FAULTS)[number];

export const STEP_KINDS = ['check', 'act', 'manual', 'wait'] as const;
/**
 * check: read-only, also runs in a plan. act: changes something, confirmed first.
 * manual: a person does it and acknowledges. wait: polls a condition until it holds or times out.
 */
export type StepKind = (typeof STEP_KINDS)[number];

export interface ParamSpec {
  /** [A-Za-z_][A-Za-z0-9_]*: it becomes an environment variable of the same name in shell steps. */
  name: string;
  description?: string;
  default?: string;
  /** An anchored JavaScript regular expression the value must match in full. */
  pattern?: string;
  enum?: string[];
  /** Asked with echo off, masked in every output, never written to disk (asked again on resume). */
  secret: boolean;
  /** No default: the run cannot start without a value. */
  required: boolean;
}

export interface OfferRule {
  fault: Fault;
  /** Only for this Compose service (`api`) or `project/service`. */
  service?: string;
}

export interface RunbookTarget {
  /** The Compose project the typed actions work in when a service name is given bare. */
  project?: string;
  /** The working directory on the server shell steps start in. */
  directory?: string;
}

/** What happens when a step fails: stop the run (default), go on, or jump to a named step. */
export type OnFailure = { kind: 'stop' } | { kind: 'continue' } | { kind: 'goto'; step: string };

/** A shell step: its script runs on the server over the session's SSH connection. */
export interface ShellBody {
  type: 'shell';
  shell: 'sh' | 'bash';
  script: string;
}

/**
 * A typed opsdeck action: one line, split into words like a shell would (quotes, no expansion),
 * kept unexpanded; `${name}` inside a word is replaced by a parameter or capture when it runs.
 * argv[0] is the action: restart, stop, start, recreate, logs, status, backup, restore, unlock,
 * healthy (for wait steps).
 */
export interface ActionBody {
  type: 'action';
  argv: string[];
}

/** A manual step's instruction, as written. */
export interface ManualBody {
  type: 'manual';
  text: string;
}

export type StepBody = ShellBody | ActionBody | ManualBody;

export interface Step {
  /** [a-z][a-z0-9_-]*, unique in the runbook. */
  id: string;
  kind: StepKind;
  /** The `title=` attribute, else the nearest heading above the fence, else the id. */
  title: string;
  /** 1-based line of the opening fence in the file. */
  line: number;
  /** The `when=` expression as written (when-expr.ts parses it); absent: always runs. */
  when?: string;
  /** Asked before it runs: true by default for act, false otherwise; `confirm=no` turns it off. */
  confirm: boolean;
  timeoutMs: number;
  /** wait steps: the gap between two polls. */
  intervalMs: number;
  onFailure: OnFailure;
  body: StepBody;
}

export interface Runbook {
  id: string;
  title: string;
  description?: string;
  params: ParamSpec[];
  offerOn: OfferRule[];
  target: RunbookTarget;
  /** Ids of check steps re-run before a resumed run continues. */
  setup: string[];
  steps: Step[];
  /** A file path, or `builtin:ID` for a shipped one. */
  source: string;
  /** The file's text, for `runbook show` and the transcript's digest. */
  text: string;
}

/** A bad runbook: one line, `file:line: what is wrong`. */
export class RunbookError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
    this.name = 'RunbookError';
  }
}

export const DEFAULT_STEP_TIMEOUT_MS = 120_000;
export const DEFAULT_WAIT_TIMEOUT_MS = 120_000;
export const DEFAULT_WAIT_INTERVAL_MS = 2_000;
