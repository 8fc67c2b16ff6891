/**
 * What every run begins with, from the command line or the TUI: the scrubber for its secret
 * parameters, its transcript file and writer, and the start event that names who ran what,
 * from where, against which server.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { MASK } from '../docker/secret-mask.js';
import type { Runbook } from './runbook-types.js';
import { makeScrubber } from './secret-scrub.js';
import { runFile, TranscriptWriter } from './transcript.js';
import type { RunStartEvent } from './transcript-events.js';

export interface RunTranscript {
  file: string;
  writer: TranscriptWriter;
  /** Masks the run's secret parameter values (and the known secret patterns) in any text. */
  scrub: (text: string) => string;
  secretNames: string[];
}

export function openRunTranscript(runbook: Runbook, params: ReadonlyMap<string, string>, runsDir: string, run: string): RunTranscript {
  const secretNames = runbook.params.filter((p) => p.secret).map((p) => p.name);
  const scrub = makeScrubber(secretNames.map((n) => params.get(n) ?? '').filter((v) => v !== ''));
  const file = runFile(runsDir, run);
  return { file, writer: new TranscriptWriter(file, scrub), scrub, secretNames };
}

export function runbookDigest(runbook: Runbook): string {
  return crypto.createHash('sha256').update(runbook.text).digest('hex');
}

/** The operator: the local user name and host name. */
export function operator(): { user: string; from: string } {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return { user, from: os.hostname() };
}

export function startEvent(o: {
  run: string;
  at: Date;
  runbook: Runbook;
  params: ReadonlyMap<string, string>;
  secretNames: readonly string[];
  server: RunStartEvent['server'];
  plan: boolean;
  who?: { user: string; from: string };
}): RunStartEvent {
  const params: Record<string, string> = {};
  for (const [k, v] of o.params) params[k] = o.secretNames.includes(k) ? MASK : v;
  return {
    t: 'start',
    run: o.run,
    at: o.at.toISOString(),
    runbook: o.runbook.id,
    title: o.runbook.title,
    source: o.runbook.source,
    digest: runbookDigest(o.runbook),
    ...(o.who ?? operator()),
    server: o.server,
    params,
    secretParams: [...o.secretNames],
    plan: o.plan,
  };
}
