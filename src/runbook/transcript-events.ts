/**
 * What a run's transcript holds: one JSON object per line, appended as the run goes
 * (transcript.ts writes and reads them). Plain data, so an event can be written as it is, read
 * back, compared in tests and shown on a screen. Every string in an event on disk has been
 * sanitised and scrubbed of secrets by the writer; times are UTC ISO strings.
 */

/** The first line of every transcript: what ran, by whom, from where, against which server. */
export interface RunStartEvent {
  t: 'start';
  run: string;
  at: string;
  runbook: string;
  title: string;
  source: string;
  /** sha256 hex of the runbook text, so a postmortem can tell which version of the file ran. */
  digest: string;
  user: string;
  /** The local host name: the machine the operator ran it from. */
  from: string;
  server: { profile: string; host: string; fingerprint: string | null };
  /** Secret ones already masked: their values are asked again on resume, never stored. */
  params: Record<string, string>;
  secretParams: string[];
  /** A plan runs the check steps only. */
  plan: boolean;
}

export interface StepStartEvent {
  t: 'step-start';
  at: string;
  step: string;
  kind: string;
  title: string;
  /** The expanded command or action, masked. */
  command: string;
}

/** A chunk of a step's output as it arrived; 'info' is opsdeck's own note (a poll, a retry, a cut). */
export interface OutputEvent {
  t: 'output';
  at: string;
  step: string;
  stream: 'stdout' | 'stderr' | 'info';
  text: string;
}

export interface StepEndEvent {
  t: 'step-end';
  at: string;
  step: string;
  status: 'ok' | 'failed' | 'skipped' | 'timeout' | 'stopped';
  code: number | null;
  ms: number;
  captures: Record<string, string>;
  reason?: string;
}

export interface ConfirmEvent {
  t: 'confirm';
  at: string;
  step: string;
  answer: 'yes' | 'no';
  /** What the operator typed for a production confirmation. */
  typed?: string;
}

/** A manual step acknowledged. */
export interface AckEvent {
  t: 'ack';
  at: string;
  step: string;
  answer: 'done' | 'skip' | 'stop';
}

/** The run picked up again, possibly by someone else on another machine. */
export interface ResumeEvent {
  t: 'resume';
  at: string;
  user: string;
  from: string;
  /** The last completed step, or null when none had completed. */
  after: string | null;
}

export interface RunEndEvent {
  t: 'end';
  at: string;
  status: 'done' | 'failed' | 'stopped';
  ms: number;
}

export type TranscriptEvent = RunStartEvent | StepStartEvent | OutputEvent | StepEndEvent | ConfirmEvent | AckEvent | ResumeEvent | RunEndEvent;

export type StepStatus = StepEndEvent['status'];
export type RunStatus = RunEndEvent['status'];
