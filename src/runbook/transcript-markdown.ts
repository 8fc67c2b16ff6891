/**
 * A transcript as Markdown, to paste into a postmortem or an incident ticket: who ran what,
 * from where, against which server (and which host key), then each step with its command,
 * the answers given and its output.
 *
 * Everything in a transcript came from a server or an operator's typing, so nothing in it may
 * change the document's structure: table cells and headings are escaped, and output sits in a
 * fence longer than any backtick run inside it, so a ``` in the output cannot close it.
 */
import type { AckEvent, ConfirmEvent, OutputEvent, RunEndEvent, RunStartEvent, StepEndEvent, StepStartEvent, TranscriptEvent } from './transcript-events.js';

interface Section {
  step: string;
  start: StepStartEvent | null;
  confirms: ConfirmEvent[];
  acks: AckEvent[];
  output: OutputEvent[];
  end: StepEndEvent | null;
}

export function transcriptMarkdown(events: readonly TranscriptEvent[]): string {
  const start = events.find((e): e is RunStartEvent => e.t === 'start') ?? null;
  const { sections, ended } = collect(events);
  const out: string[] = [];
  out.push(`# ${start === null ? 'Runbook run' : `Runbook run: ${inline(start.title)}`}`, '');
  out.push('| | |', '|---|---|');
  const row = (name: string, value: string): void => {
    out.push(`| ${name} | ${value} |`);
  };
  if (start !== null) {
    row('Run', inline(start.run));
    row('Runbook', `${inline(start.title)} (${inline(start.runbook)})`);
    row('Source', inline(start.source));
    row('Digest', `sha256 ${inline(start.digest)}`);
    row('Operator', inline(start.user));
    row('From', inline(start.from));
    row('Server', start.server.profile === start.server.host ? inline(start.server.host) : `${inline(start.server.profile)} (${inline(start.server.host)})`);
    row('Host key', start.server.fingerprint === null ? 'not recorded' : inline(start.server.fingerprint));
    row('Parameters', paramsCell(start));
    row('Mode', start.plan ? 'plan (check steps only)' : 'run');
    row('Started', utc(start.at));
  } else {
    row('Run', 'no start event in the transcript');
  }
  for (const e of events) if (e.t === 'resume') row('Resumed', `${utc(e.at)} by ${inline(e.user)} from ${inline(e.from)}, after ${e.after === null ? 'no completed step' : inline(e.after)}`);
  row('Ended', ended === null ? '—' : utc(ended.at));
  row('Status', ended === null ? 'interrupted (no end recorded)' : ended.status);
  if (ended !== null) row('Duration', duration(ended.ms));
  out.push('', '## Steps', '');
  if (sections.length === 0) out.push('No step ran.', '');
  for (const s of sections) out.push(...sectionLines(s));
  return `${out.join('\n').trimEnd()}\n`;
}

/**
 * Events grouped into one section per run of a step, in the order they ran. A confirmation
 * comes before its step-start and a declined step may have no step-start at all, so a section
 * opens at whichever of a step's events comes first and closes at its step-end.
 */
function collect(events: readonly TranscriptEvent[]): { sections: Section[]; ended: RunEndEvent | null } {
  const sections: Section[] = [];
  const open = new Map<string, Section>();
  let ended: RunEndEvent | null = null;
  const sectionFor = (step: string): Section => {
    let s = open.get(step);
    if (s === undefined) {
      s = { step, start: null, confirms: [], acks: [], output: [], end: null };
      sections.push(s);
      open.set(step, s);
    }
    return s;
  };
  for (const e of events) {
    switch (e.t) {
      case 'step-start': {
        let s = sectionFor(e.step);
        // A second step-start without an end in between: the first run was cut off (a crash
        // and resume); the new run gets its own section.
        if (s.start !== null) {
          open.delete(e.step);
          s = sectionFor(e.step);
        }
        s.start = e;
        break;
      }
      case 'confirm':
        sectionFor(e.step).confirms.push(e);
        break;
      case 'ack':
        sectionFor(e.step).acks.push(e);
        break;
      case 'output':
        sectionFor(e.step).output.push(e);
        break;
      case 'step-end':
        sectionFor(e.step).end = e;
        open.delete(e.step);
        break;
      case 'end':
        ended = e;
        break;
      case 'resume':
        ended = null;
        break;
      case 'start':
        break;
    }
  }
  return { sections, ended };
}

function sectionLines(s: Section): string[] {
  const title = s.start?.title ?? s.step;
  const lines = [`### ${inline(s.step)}: ${inline(title)}`, ''];
  if (s.start !== null) {
    lines.push(`- Kind: ${inline(s.start.kind)}`);
    lines.push(`- Started: ${utc(s.start.at)}`);
  }
  if (s.end !== null) {
    lines.push(`- Status: ${s.end.status}`);
    lines.push(`- Exit code: ${s.end.code === null ? '—' : String(s.end.code)}`);
    lines.push(`- Duration: ${duration(s.end.ms)}`);
    if (s.end.reason !== undefined) lines.push(`- Reason: ${inline(s.end.reason)}`);
  } else {
    lines.push('- Status: no end recorded (interrupted)');
  }
  for (const c of s.confirms) lines.push(`- Confirmed: ${c.answer} at ${utc(c.at)}${c.typed === undefined ? '' : ` (typed "${inline(c.typed)}")`}`);
  for (const a of s.acks) lines.push(`- Acknowledged: ${a.answer} at ${utc(a.at)}`);
  if (s.end !== null) {
    const captures = Object.entries(s.end.captures);
    if (captures.length > 0) lines.push(`- Captured: ${captures.map(([k, v]) => `${inline(k)}=${inline(v)}`).join(', ')}`);
  }
  lines.push('');
  if (s.start !== null) lines.push('Command:', '', ...fenced(s.start.command), '');
  lines.push('Output:', '');
  const output = outputText(s.output);
  if (output === '') lines.push('(none)', '');
  else lines.push(...fenced(output), '');
  return lines;
}

/** stdout and stderr as they interleaved; opsdeck's own notes on lines of their own. */
function outputText(events: readonly OutputEvent[]): string {
  let text = '';
  for (const e of events) {
    if (e.stream === 'info') {
      if (text !== '' && !text.endsWith('\n')) text += '\n';
      text += `[opsdeck] ${e.text}\n`;
    } else {
      text += e.text;
    }
  }
  return text;
}

/** A fence one backtick longer than the longest run of backticks inside, and at least three. */
function fenced(text: string): string[] {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return [fence, body, fence];
}

function paramsCell(start: RunStartEvent): string {
  if (Object.keys(start.params).length === 0) return 'none';
  const secret = new Set(start.secretParams);
  return Object.entries(start.params)
    .map(([k, v]) => `${inline(k)}=${inline(v)}${secret.has(k) ? ' (secret)' : ''}`)
    .join(', ');
}

/**
 * Text for a heading or a table cell: one line, and nothing Markdown or HTML would act on.
 * Underscores stay: inside a word (DB_PASSWORD) they never start emphasis.
 */
function inline(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/[\\`*[\]<>|~#]/g, '\\$&');
}

function utc(at: string): string {
  const t = Date.parse(at);
  return Number.isNaN(t) ? inline(at) : new Date(t).toISOString();
}

function duration(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  if (t < 1000) return `${t} ms`;
  if (t < 60_000) return `${(t / 1000).toFixed(1)} s`;
  const m = Math.floor(t / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}
