/**
 * A live backup run as the wizard shows it: which step, bytes written so far, the rate, the
 * elapsed time. A pure reducer over the script's events with the clock passed in, so the
 * numbers are testable without a server or a timer.
 */
import type { BackupRunOutcome, RunStatusKind } from './backup-run.js';
import type { ScriptEvent } from './script-events.js';

export interface StepProgress {
  id: string;
  /** The database or backup id the step works on ('' for run-wide steps). */
  subject: string;
  title: string;
  state: 'running' | 'done' | 'failed';
  startedAt: number;
  endedAt: number | undefined;
}

export interface RunProgress {
  phase: 'idle' | 'running' | RunStatusKind;
  startedAt: number | undefined;
  /** The clock at the last update (elapsed = now - startedAt). */
  now: number;
  steps: StepProgress[];
  /** Bytes of the encrypted dump written so far (the current database). */
  bytes: number;
  /** Bytes per second over the last few seconds; undefined until two samples exist. */
  rateBps: number | undefined;
  samples: { t: number; bytes: number }[];
  warnings: string[];
  backups: { id: string; bytes: number }[];
  outcome: BackupRunOutcome | undefined;
}

export const IDLE: RunProgress = {
  phase: 'idle', startedAt: undefined, now: 0, steps: [], bytes: 0, rateBps: undefined, samples: [], warnings: [], backups: [], outcome: undefined,
};

const RATE_WINDOW_MS = 3000;

export function started(now: number): RunProgress {
  return { ...IDLE, phase: 'running', startedAt: now, now };
}

export function elapsedMs(p: RunProgress): number {
  return p.startedAt === undefined ? 0 : Math.max(0, p.now - p.startedAt);
}

export function currentStep(p: RunProgress): StepProgress | undefined {
  return [...p.steps].reverse().find((s) => s.state === 'running') ?? p.steps.at(-1);
}

function closeRunning(steps: StepProgress[], now: number, state: 'done' | 'failed'): StepProgress[] {
  return steps.map((s) => (s.state === 'running' ? { ...s, state, endedAt: now } : s));
}

export function applyEvent(p: RunProgress, e: ScriptEvent, now: number, titleOf: (id: string) => string | undefined = () => undefined): RunProgress {
  switch (e.kind) {
    case 'step': {
      const steps = closeRunning(p.steps, now, 'done');
      const fresh = e.step === 'dump';
      return {
        ...p,
        now,
        steps: [...steps, { id: e.step, subject: e.subject, title: titleOf(e.step) ?? e.step, state: 'running', startedAt: now, endedAt: undefined }],
        ...(fresh ? { bytes: 0, rateBps: undefined, samples: [] } : {}),
      };
    }
    case 'bytes': {
      const samples = [...p.samples, { t: now, bytes: e.bytes }].filter((s) => now - s.t <= RATE_WINDOW_MS).slice(-20);
      const first = samples[0]!;
      const rateBps = samples.length >= 2 && now > first.t ? ((e.bytes - first.bytes) * 1000) / (now - first.t) : p.rateBps;
      return { ...p, now, bytes: e.bytes, samples, rateBps };
    }
    case 'backup':
      return { ...p, now, bytes: e.bytes, backups: [...p.backups, { id: e.id, bytes: e.bytes }] };
    case 'warn':
      return { ...p, now, warnings: [...p.warnings, e.message] };
    case 'fail':
      return { ...p, now, steps: closeRunning(p.steps, now, 'failed') };
    case 'finished':
      return { ...p, now, steps: closeRunning(p.steps, now, 'done') };
    default:
      return { ...p, now };
  }
}

export function tick(p: RunProgress, now: number): RunProgress {
  return p.phase === 'running' ? { ...p, now } : p;
}

export function finished(p: RunProgress, outcome: BackupRunOutcome, now: number): RunProgress {
  const state = outcome.status === 'ok' || outcome.status === 'degraded' ? 'done' : 'failed';
  return { ...p, now, phase: outcome.status, steps: closeRunning(p.steps, now, state), outcome };
}
