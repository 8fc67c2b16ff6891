/**
 * Run transcripts on the operator's machine: one JSON Lines file per run under the config
 * directory's `runs/`, appended as the run goes, so a crash leaves everything up to the last
 * line and a run can be resumed (or written up) from it.
 *
 * The writer is the one place transcript text is cleaned: every string is sanitised and
 * scrubbed of secrets before it is written, so nothing that reads a transcript has to trust
 * the runner to have done it. Files are 0600 in a 0700 directory: output holds what servers
 * print, which is sometimes more than anyone meant.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { profileStorePath, type ProfileStoreOptions } from '../config/profile-path.js';
import { sanitise } from '../text/sanitise.js';
import type { OutputEvent, RunEndEvent, RunStartEvent, RunStatus, StepEndEvent, StepStatus, TranscriptEvent } from './transcript-events.js';

/** One output event's text is cut to this many bytes (UTF-8). */
export const OUTPUT_EVENT_CAP = 64 * 1024;
/** A run's output in its transcript stops being written after this many bytes. */
export const RUN_OUTPUT_CAP = 8 * 1024 * 1024;

const FILE_SUFFIX = '.jsonl';
// The writer's own note when the run cap is reached; recognised again when a run is resumed.
const DROP_NOTICE = `output from here on is not written to the transcript: the run has reached its ${RUN_OUTPUT_CAP / (1024 * 1024)} MiB cap`;

export function runsDirectory(opts: ProfileStoreOptions = {}): string {
  return path.join(path.dirname(profileStorePath(opts)), 'runs');
}

/**
 * `20261206T223100Z-restart-loop-a1b2`: sorts by start time as text, says which runbook it
 * was, and the random tail keeps two runs started in the same second apart. The id becomes a
 * file name, so anything outside [A-Za-z0-9_-] in the runbook id is replaced.
 */
export function newRunId(runbookId: string, now: Date, random: () => string = () => crypto.randomBytes(2).toString('hex')): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${fileSafe(runbookId).slice(0, 64)}-${fileSafe(random())}`;
}

function fileSafe(s: string): string {
  const out = s.replace(/[^A-Za-z0-9_-]+/g, '-');
  return out === '' ? 'x' : out;
}

/** The file a run's transcript lives in. */
export function runFile(dir: string, run: string): string {
  return path.join(dir, `${fileSafe(run)}${FILE_SUFFIX}`);
}

// Fields the writer makes itself or takes from the runbook's structure (event kinds, step ids,
// times, statuses). They are sanitised but not scrubbed: a short secret that happened to equal
// `ok` or a step id would otherwise mask the field and make the line unreadable for resume.
const STRUCTURAL = new Set(['t', 'at', 'run', 'step', 'kind', 'status', 'stream', 'answer', 'after', 'digest']);
// Records keyed by data (parameter and capture names), whose keys are scrubbed like values. The
// keys of fixed-shape objects (server.host) are field names and stay as they are.
const RECORDS = new Set(['params', 'captures']);

/**
 * Appends events to one transcript file. Never throws: the first write error is kept in
 * `error` and every later append does nothing, so a full disk stops the transcript, not the
 * run; the runner shows the error.
 */
export class TranscriptWriter {
  private failure: Error | null = null;
  private written = 0;
  private dropped = 0;
  private prepared = false;
  private capNoticeWritten = false;
  private lastDroppedStep: string | null = null;

  constructor(
    readonly file: string,
    private readonly scrub: (s: string) => string,
  ) {}

  /** The first write error; from then on appends do nothing. */
  get error(): Error | null {
    return this.failure;
  }

  /** Output bytes in the file (this run's and, after a resume, the earlier process's). */
  get outputBytes(): number {
    return this.written;
  }

  /** Output bytes counted but not written, past the run cap. */
  get droppedBytes(): number {
    return this.dropped;
  }

  append(event: TranscriptEvent): void {
    if (this.failure !== null) return;
    try {
      if (!this.prepared) this.prepare();
      const clean = this.clean(event);
      if (clean.t === 'output') {
        this.appendOutput(clean);
        return;
      }
      if (clean.t === 'end' && this.dropped > 0 && this.lastDroppedStep !== null) {
        this.write(this.info(this.lastDroppedStep, clean.at, `${this.dropped} bytes of output were not written to the transcript (the ${RUN_OUTPUT_CAP / (1024 * 1024)} MiB cap)`));
      }
      this.write(clean);
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
  }

  private appendOutput(event: OutputEvent): void {
    const cut = capText(event.text, OUTPUT_EVENT_CAP);
    const bytes = Buffer.byteLength(cut, 'utf8');
    if (this.capNoticeWritten || this.written + bytes > RUN_OUTPUT_CAP) {
      this.dropped += bytes;
      this.lastDroppedStep = event.step;
      if (!this.capNoticeWritten) {
        this.write(this.info(event.step, event.at, DROP_NOTICE));
        this.capNoticeWritten = true;
      }
      return;
    }
    this.write({ ...event, text: cut });
    this.written += bytes;
  }

  private info(step: string, at: string, text: string): OutputEvent {
    return { t: 'output', at, step, stream: 'info', text };
  }

  private write(event: TranscriptEvent): void {
    fs.appendFileSync(this.file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
  }

  /**
   * Before the first line: the directory, and when resuming, the state the last process left.
   * A crash mid-write leaves a line without its newline; without one added here, the next
   * event would be glued to it and lost with it.
   */
  private prepare(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    let existing: string;
    try {
      existing = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      existing = '';
    }
    if (existing !== '' && !existing.endsWith('\n')) fs.appendFileSync(this.file, '\n', { mode: 0o600 });
    for (const e of readLines(existing).events) {
      if (e.t !== 'output') continue;
      if (e.stream === 'info' && e.text === DROP_NOTICE) this.capNoticeWritten = true;
      else this.written += Buffer.byteLength(e.text, 'utf8');
    }
    this.prepared = true;
  }

  private clean(event: TranscriptEvent): TranscriptEvent {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(event)) {
      if (value === undefined) continue;
      out[key] = typeof value === 'string' && STRUCTURAL.has(key) ? sanitise(value, { multiline: true }) : this.deepClean(value, RECORDS.has(key));
    }
    return out as unknown as TranscriptEvent;
  }

  private deepClean(value: unknown, scrubKeys: boolean): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.deepClean(v, false));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[scrubKeys ? this.text(k) : sanitise(k, { multiline: true })] = this.deepClean(v, false);
      return out;
    }
    return value;
  }

  private text(s: string): string {
    return this.scrub(sanitise(s, { multiline: true }));
  }
}

/** `text` cut to at most `max` UTF-8 bytes, on a character boundary, with a marker saying how much went. */
function capText(text: string, max: number): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: most chunks are decided without encoding.
  if (text.length * 3 <= max) return text;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  let end = max;
  // Back off continuation bytes (10xxxxxx) so the cut does not split a character.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}… [cut ${buf.length - end} bytes]`;
}

// Read back as it was written; sanitised again because a transcript may have been edited or
// come from someone else's machine, and it goes to screens and postmortems.
const text = z.string().transform((s) => sanitise(s, { multiline: true }));
const record = z.record(text, text);
const ms = z.number().min(0);

const StartSchema = z.object({
  t: z.literal('start'),
  run: text,
  at: text,
  runbook: text,
  title: text,
  source: text,
  digest: text,
  user: text,
  from: text,
  server: z.object({ profile: text, host: text, fingerprint: text.nullable() }),
  params: record,
  secretParams: z.array(text),
  plan: z.boolean(),
});

const EventSchema = z.discriminatedUnion('t', [
  StartSchema,
  z.object({ t: z.literal('step-start'), at: text, step: text, kind: text, title: text, command: text }),
  z.object({ t: z.literal('output'), at: text, step: text, stream: z.enum(['stdout', 'stderr', 'info']), text }),
  z.object({
    t: z.literal('step-end'),
    at: text,
    step: text,
    status: z.enum(['ok', 'failed', 'skipped', 'timeout', 'stopped']),
    code: z.number().int().nullable(),
    ms,
    captures: record,
    reason: text.optional(),
  }),
  z.object({ t: z.literal('confirm'), at: text, step: text, answer: z.enum(['yes', 'no']), typed: text.optional() }),
  z.object({ t: z.literal('ack'), at: text, step: text, answer: z.enum(['done', 'skip', 'stop']) }),
  z.object({ t: z.literal('resume'), at: text, user: text, from: text, after: text.nullable() }),
  z.object({ t: z.literal('end'), at: text, status: z.enum(['done', 'failed', 'stopped']), ms }),
]);

// The schema and the event types are written twice (zod's inferred types are not as readable
// as transcript-events.ts); these fail to compile when the two drift apart.
type Assert<T extends true> = T;
type SchemaCoversEvents = Assert<z.output<typeof EventSchema> extends TranscriptEvent ? (TranscriptEvent extends z.output<typeof EventSchema> ? true : false) : false>;

/** One parsed line; an absent optional field stays absent rather than present and undefined. */
function parseEvent(raw: unknown): { event: TranscriptEvent } | { problem: string } {
  const r = EventSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { problem: `not a transcript event (${where}${issue?.message ?? 'invalid'})` };
  }
  const event: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.data)) if (v !== undefined) event[k] = v;
  return { event: event as unknown as TranscriptEvent };
}

function readLines(content: string): { events: TranscriptEvent[]; problems: string[] } {
  const events: TranscriptEvent[] = [];
  const problems: string[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1}: not JSON`);
      continue;
    }
    const parsed = parseEvent(raw);
    if ('event' in parsed) events.push(parsed.event);
    else problems.push(`line ${i + 1}: ${parsed.problem}`);
  }
  return { events, problems };
}

/**
 * Every event of a transcript that can be read. A line that is not JSON (the process died
 * mid-write) or not a valid event is skipped and named in `problems`; the rest still counts.
 * A file that cannot be read at all throws, as fs does.
 */
export function readTranscript(file: string): { events: TranscriptEvent[]; problems: string[] } {
  return readLines(fs.readFileSync(file, 'utf8'));
}

export interface RunSummary {
  run: string;
  file: string;
  runbook: string;
  /** The start event's time, UTC ISO. */
  started: string;
  /**
   * From the last event: an end event's status, else 'interrupted'. Whether the process is
   * still alive cannot be told from the file; a caller that knows a run is live says 'running'.
   */
  status: RunStatus | 'running' | 'interrupted';
  /** The profile name, or the host when the run had none. */
  server: string;
}

// A start line holds the parameters, so it can be long, but not this long.
const HEAD_LIMIT = 1024 * 1024;
const TAIL_CHUNK = 64 * 1024;

/**
 * The runs in `dir`, newest first. Only the first line (the start event) and the last line of
 * each file are read, since a transcript can be megabytes. Files without a readable start
 * event are left out: there is nothing to show or resume in them. A missing directory is no runs.
 */
export function listRuns(dir: string): RunSummary[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const runs: RunSummary[] = [];
  for (const name of names) {
    if (!name.endsWith(FILE_SUFFIX)) continue;
    const file = path.join(dir, name);
    let summary: RunSummary | null;
    try {
      summary = summariseFile(file);
    } catch {
      // Unreadable (permissions, vanished while listing): not a run we can show.
      summary = null;
    }
    if (summary !== null) runs.push(summary);
  }
  return runs.sort((a, b) => (a.started === b.started ? cmp(b.run, a.run) : cmp(b.started, a.started)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function summariseFile(file: string): RunSummary | null {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const first = firstLine(fd, size);
    if (first === null) return null;
    const start = parseLine(first);
    if (start === null || start.t !== 'start') return null;
    const last = parseLine(lastLine(fd, size));
    return {
      run: start.run,
      file,
      runbook: start.runbook,
      started: start.at,
      status: last !== null && last.t === 'end' ? last.status : 'interrupted',
      server: start.server.profile !== '' ? start.server.profile : start.server.host,
    };
  } finally {
    fs.closeSync(fd);
  }
}

function parseLine(line: string): TranscriptEvent | null {
  try {
    const parsed = parseEvent(JSON.parse(line));
    return 'event' in parsed ? parsed.event : null;
  } catch {
    return null;
  }
}

function firstLine(fd: number, size: number): string | null {
  const buf = Buffer.alloc(Math.min(size, HEAD_LIMIT));
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  const nl = buf.subarray(0, n).indexOf(0x0a);
  if (nl < 0) return n === size ? buf.subarray(0, n).toString('utf8') : null;
  return buf.subarray(0, nl).toString('utf8');
}

/** The last non-empty line, read backwards in chunks (an output line can be up to 64 KiB and more). */
function lastLine(fd: number, size: number): string {
  let end = size;
  let tail = Buffer.alloc(0);
  for (let pos = size; pos > 0; ) {
    const len = Math.min(TAIL_CHUNK, pos);
    pos -= len;
    const chunk = Buffer.alloc(len);
    fs.readSync(fd, chunk, 0, len, pos);
    tail = Buffer.concat([chunk, tail]);
    // Trailing newlines are not the line we want.
    while (end - pos > 0 && tail[end - pos - 1] === 0x0a) end--;
    const nl = tail.subarray(0, end - pos).lastIndexOf(0x0a);
    if (nl >= 0) return tail.subarray(nl + 1, end - pos).toString('utf8');
  }
  return tail.subarray(0, end).toString('utf8');
}

export interface StepOutcome {
  status: StepStatus;
  code: number | null;
}

export interface RunState {
  start: RunStartEvent;
  /** Steps whose latest step-end is ok or skipped, in the order of those step-ends. */
  completed: string[];
  /** Each step's latest step-end. */
  outcomes: Map<string, StepOutcome>;
  /**
   * The captures of the completed steps merged in that order, as written: a capture of a
   * secret reads MASK, and the runner has to ask for or recompute it rather than use it.
   */
  captures: Map<string, string>;
  lastCompleted: string | null;
  /** The end event, unless the run was resumed after it (then the run is going again). */
  ended: RunEndEvent | null;
}

/**
 * What a resume needs from a transcript. A step can run more than once (a goto, a resume that
 * re-runs setup checks); its latest step-end is what counts, so a step that passed and then
 * failed on a later pass is not completed. Throws when there is no start event.
 */
export function runState(events: readonly TranscriptEvent[]): RunState {
  const start = events.find((e): e is RunStartEvent => e.t === 'start');
  if (start === undefined) throw new Error('the transcript has no start event');
  const latest = new Map<string, { end: StepEndEvent; index: number }>();
  let ended: RunEndEvent | null = null;
  for (const [index, e] of events.entries()) {
    if (e.t === 'step-end') latest.set(e.step, { end: e, index });
    else if (e.t === 'end') ended = e;
    else if (e.t === 'resume') ended = null;
  }
  const outcomes = new Map<string, StepOutcome>();
  for (const [step, { end }] of latest) outcomes.set(step, { status: end.status, code: end.code });
  const done = [...latest.values()].filter(({ end }) => end.status === 'ok' || end.status === 'skipped').sort((a, b) => a.index - b.index);
  const captures = new Map<string, string>();
  for (const { end } of done) for (const [k, v] of Object.entries(end.captures)) captures.set(k, v);
  const completed = done.map(({ end }) => end.step);
  return { start, completed, outcomes, captures, lastCompleted: completed[completed.length - 1] ?? null, ended };
}
