/**
 * Reads a runbook file (Markdown with YAML front matter; fenced blocks with `step=` are the
 * steps) into a validated Runbook, or throws one RunbookError naming the file line at fault.
 *
 * A runbook may be a file someone sent you, so everything is checked before anything runs, and
 * nothing in it is evaluated: the YAML is read as a syntax tree (never turned into JavaScript
 * objects, so `__proto__` is just a name and aliases cannot multiply), and `when=` goes to its
 * own small parser. Where this reader and a Markdown renderer could disagree, it follows
 * CommonMark, so that what a reviewer sees rendered is what runs.
 */
import { parseDocument, LineCounter, isMap, isSeq, isScalar, isNode, visit } from 'yaml';
import type { Pair, YAMLMap } from 'yaml';
import {
  DEFAULT_STEP_TIMEOUT_MS,
  DEFAULT_WAIT_INTERVAL_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  FAULTS,
  RunbookError,
  STEP_KINDS,
  type Fault,
  type OfferRule,
  type OnFailure,
  type ParamSpec,
  type Runbook,
  type RunbookTarget,
  type Step,
  type StepBody,
  type StepKind,
} from './runbook-types.js';
import { parseWhen, validateWhen, WhenError, type WhenExpr } from './when-expr.js';

const MAX_BYTES = 256 * 1024;
// yaml checks duplicate keys pairwise: 20,000 keys take seconds. Real front matter is a few
// hundred lines; the prose belongs in the body.
const MAX_FRONT_MATTER_BYTES = 32 * 1024;
const MAX_STEPS = 200;
const MAX_TITLE = 200;
const MAX_DIRECTORY = 4096;
const MAX_DURATION_MS = 24 * 3_600_000;

const RUNBOOK_ID = /^[a-z][a-z0-9-]{0,62}$/;
const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const CAPTURE_NAME = /^[A-Z][A-Z0-9_]*$/;
const PROJECT = /^[a-z0-9][a-z0-9_-]*$/;
const SERVICE = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)?$/;
const DURATION = /^(\d+)(ms|s|m|h)$/;

// Params become environment variables of shell steps: these would break the shell or let a
// runbook's "parameter" replace the programs or libraries every command loads.
const RESERVED_PARAMS: ReadonlySet<string> = new Set(['PATH', 'HOME', 'IFS', 'PS1', 'PS4', 'ENV', 'BASH_ENV', 'SHELL', 'LD_PRELOAD', 'LD_LIBRARY_PATH']);

const TOP_KEYS: ReadonlySet<string> = new Set(['runbook', 'title', 'description', 'params', 'offer_on', 'target', 'setup']);
const PARAM_KEYS: ReadonlySet<string> = new Set(['description', 'default', 'pattern', 'enum', 'secret']);
const OFFER_KEYS: ReadonlySet<string> = new Set(['fault', 'service']);
const TARGET_KEYS: ReadonlySet<string> = new Set(['project', 'directory']);

const STEP_LANGUAGES: ReadonlySet<string> = new Set(['sh', 'bash', 'shell', 'opsdeck', 'manual']);
const SHELL_LANGUAGES: ReadonlySet<string> = new Set(['sh', 'bash', 'shell']);
const STEP_ATTRIBUTES: ReadonlySet<string> = new Set(['step', 'kind', 'title', 'when', 'confirm', 'timeout', 'interval', 'on_failure']);
// Attributes no documentation block would carry: a shell block with them lost its step= by mistake.
const STEP_ONLY_ATTRIBUTES = ['kind', 'when', 'confirm', 'timeout', 'interval', 'on_failure'];

const ACTIONS: ReadonlySet<string> = new Set(['restart', 'stop', 'start', 'recreate', 'logs', 'status', 'backup', 'restore', 'unlock', 'healthy']);
// A check also runs in a plan, so it may only look.
const WAIT_ACTIONS: ReadonlySet<string> = new Set(['healthy', 'status', 'unlock']);
const READ_ONLY_ACTIONS: ReadonlySet<string> = new Set(['logs', 'status', 'healthy', 'backup list']);

/** A step's duration attribute in milliseconds: `500ms`, `20s`, `5m`, `1h`; undefined if invalid. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const unit = m[2] === 'ms' ? 1 : m[2] === 's' ? 1_000 : m[2] === 'm' ? 60_000 : 3_600_000;
  const ms = Number(m[1]) * unit;
  return ms > 0 && ms <= MAX_DURATION_MS ? ms : undefined;
}

/**
 * One action line into words, as a shell would split it but without expanding anything:
 * '…' is literal, "…" knows only \" and \\, and a backslash outside quotes keeps the next
 * character as it is.
 */
export function splitActionWords(line: string): string[] | { error: string } {
  const words: string[] = [];
  let word = '';
  // '' is a word too, so "started" is tracked apart from the text.
  let started = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (started) words.push(word);
      word = '';
      started = false;
      i++;
      continue;
    }
    started = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: `unterminated single quote at column ${i + 1}` };
      word += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const read = readDoubleQuoted(line, i);
      if ('error' in read) return read;
      word += read.value;
      i = read.end;
    } else if (c === '\\') {
      const next = line[i + 1];
      if (next === undefined) return { error: `trailing backslash at column ${i + 1}` };
      word += next;
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  if (started) words.push(word);
  return words;
}

/** The "…" starting at `start`, as a shell reads it: a backslash escapes only " and \. */
function readDoubleQuoted(line: string, start: number): { value: string; end: number } | { error: string } {
  let value = '';
  let i = start + 1;
  for (;;) {
    const c = line[i];
    if (c === undefined) return { error: `unterminated double quote at column ${start + 1}` };
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
      value += line[i + 1];
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
}

export function parseRunbook(text: string, source: string): Runbook {
  const fail: Fail = (line, problem) => {
    throw new RunbookError(source, line, problem);
  };
  // Bytes, not characters: the limit is about what is read and kept, and a character may be four.
  if (Buffer.byteLength(text, 'utf8') > MAX_BYTES) fail(1, `runbook is larger than ${MAX_BYTES / 1024} KiB`);
  // Windows editors: CRLF and a byte-order mark must not change what the file means.
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').split('\n');
  if (lines[0] !== '---') fail(1, 'no front matter (a runbook starts with a --- block)');
  const close = lines.indexOf('---', 1);
  if (close < 0) fail(1, 'front matter is not closed (no --- line after the first)');

  const yamlText = lines.slice(1, close).join('\n');
  if (Buffer.byteLength(yamlText, 'utf8') > MAX_FRONT_MATTER_BYTES) fail(1, `front matter is larger than ${MAX_FRONT_MATTER_BYTES / 1024} KiB`);
  const front = readFrontMatter(yamlText, fail);
  const paramNames = new Set(front.params.map((p) => p.name));
  const pending = readSteps(lines, close + 1, paramNames, fail);
  if (pending.length === 0) fail(lastLine(lines), 'no steps (a step is a fenced block with step=ID)');
  checkStepReferences(pending, paramNames, fail);
  const steps = pending.map((p) => p.step);
  checkSetup(front.setup, steps, fail);

  const runbook: Runbook = {
    id: front.id,
    title: front.title,
    params: front.params,
    offerOn: front.offerOn,
    target: front.target,
    setup: front.setup.map((s) => s.id),
    steps,
    source,
    text,
  };
  if (front.description !== undefined) runbook.description = front.description;
  return runbook;
}

type Fail = (line: number, problem: string) => never;

// A file that ends in a newline has no line after it, however split() counts.
function lastLine(lines: string[]): number {
  return lines.length > 1 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
}

// ---------------------------------------------------------------------------------------------
// Front matter

interface FrontMatter {
  id: string;
  title: string;
  description?: string;
  params: ParamSpec[];
  offerOn: OfferRule[];
  target: RunbookTarget;
  setup: { id: string; line: number }[];
}

/** File lines of YAML nodes: the front matter starts on the file's line 2. */
class Lines {
  constructor(private readonly counter: LineCounter) {}

  of(node: unknown, fallback = 1): number {
    if (!isNode(node) || !node.range) return fallback;
    return this.counter.linePos(node.range[0]).line + 1;
  }

  ofPair(pair: Pair<unknown, unknown>, fallback: number): number {
    return this.of(pair.key, this.of(pair.value, fallback));
  }
}

function readFrontMatter(yamlText: string, fail: Fail): FrontMatter {
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const at = new Lines(counter);
  const first = doc.errors[0];
  if (first) {
    // yaml's own advice (use parseAllDocuments) would mislead: the author wrote a `...` line.
    const why = first.code === 'MULTIPLE_DOCS' ? 'a ... line ends the YAML early' : oneLine(first.message);
    fail(counter.linePos(first.pos[0]).line + 1, `invalid front matter: ${why}`);
  }
  // Refused rather than resolved: the tree is never expanded, so an alias bomb costs nothing,
  // and a value that lives elsewhere would point its errors at the wrong line.
  visit(doc, {
    Alias(_key, node) {
      fail(at.of(node), `YAML aliases (*${node.source}) are not allowed in a runbook`);
    },
  });
  const root = doc.contents;
  if (!isMap(root)) fail(at.of(root), 'front matter must be a map of keys (runbook:, title:, …)');

  let id: string | undefined;
  let title: string | undefined;
  const front: FrontMatter = { id: '', title: '', params: [], offerOn: [], target: {}, setup: [] };
  for (const pair of root.items) {
    const line = at.ofPair(pair, 1);
    const key = keyName(pair, line, 'front matter', fail);
    if (!TOP_KEYS.has(key)) fail(line, `unknown key ${quote(key)} in front matter`);
    const value = pair.value;
    switch (key) {
      case 'runbook':
        id = matching(value, RUNBOOK_ID, line, 'runbook id', 'lower-case letters, digits and -, starting with a letter', fail);
        break;
      case 'title':
        title = readTitle(value, line, fail);
        break;
      case 'description':
        if (!isNull(value)) front.description = string(value, line, 'description', fail);
        break;
      case 'params':
        if (!isNull(value)) front.params = readParams(value, line, at, fail);
        break;
      case 'offer_on':
        if (!isNull(value)) front.offerOn = readOfferOn(value, line, at, fail);
        break;
      case 'target':
        if (!isNull(value)) front.target = readTarget(value, line, at, fail);
        break;
      case 'setup':
        if (!isNull(value)) front.setup = readSetup(value, line, at, fail);
        break;
    }
  }
  if (id === undefined) fail(1, "missing key 'runbook' in front matter (the runbook's id)");
  if (title === undefined) fail(1, "missing key 'title' in front matter");
  front.id = id;
  front.title = title;
  return front;
}

function readTitle(value: unknown, line: number, fail: Fail): string {
  const title = string(value, line, 'title', fail);
  if (title.trim() === '') fail(line, 'title must not be empty');
  if (/[\r\n]/.test(title)) fail(line, 'title must be one line');
  if (title.length > MAX_TITLE) fail(line, `title is longer than ${MAX_TITLE} characters`);
  return title;
}

function readParams(value: unknown, line: number, at: Lines, fail: Fail): ParamSpec[] {
  const map = asMap(value, line, 'params', fail);
  return map.items.map((pair) => {
    const keyLine = at.ofPair(pair, line);
    return readParam(keyName(pair, keyLine, 'params', fail), pair.value, keyLine, at, fail);
  });
}

function readParam(name: string, value: unknown, line: number, at: Lines, fail: Fail): ParamSpec {
  checkParamName(name, line, fail);
  const spec: ParamSpec = { name, secret: false, required: true };
  // `name:` alone declares a required parameter with nothing more to say about it.
  if (isNull(value)) return spec;
  const map = asMap(value, line, `param ${quote(name)}`, fail);
  let defaultLine = line;
  for (const pair of map.items) {
    const keyLine = at.ofPair(pair, line);
    const key = keyName(pair, keyLine, `param ${quote(name)}`, fail);
    const what = `${key} of param ${quote(name)}`;
    switch (key) {
      case 'description':
        spec.description = string(pair.value, keyLine, what, fail);
        break;
      case 'default':
        spec.default = scalarText(pair.value, keyLine, what, fail);
        defaultLine = keyLine;
        break;
      case 'pattern':
        spec.pattern = string(pair.value, keyLine, what, fail);
        anchored(spec.pattern, keyLine, name, fail);
        break;
      case 'enum':
        spec.enum = readEnum(pair.value, keyLine, what, at, fail);
        break;
      case 'secret':
        if (!isScalar(pair.value) || typeof pair.value.value !== 'boolean') fail(keyLine, `${what} must be true or false`);
        spec.secret = pair.value.value === true;
        break;
      default:
        fail(keyLine, `unknown key ${quote(key)} in param ${quote(name)}`);
    }
  }
  if (spec.pattern !== undefined && spec.enum !== undefined) fail(line, `param ${quote(name)} has both pattern and enum (choose one)`);
  if (spec.default !== undefined) {
    spec.required = false;
    checkDefault(spec, defaultLine, fail);
  }
  return spec;
}

function checkParamName(name: string, line: number, fail: Fail): void {
  if (!PARAM_NAME.test(name)) fail(line, `param name ${quote(name)} is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*, at most 64)`);
  if (name.startsWith('OPSDECK_')) fail(line, `param name ${quote(name)} is reserved (OPSDECK_ names are opsdeck's own)`);
  if (RESERVED_PARAMS.has(name)) fail(line, `param name ${quote(name)} is reserved (it would change how the shell runs)`);
}

// The default's value is left out of messages: it may be a secret's.
function checkDefault(spec: ParamSpec, line: number, fail: Fail): void {
  const value = spec.default ?? '';
  if (spec.pattern !== undefined && !new RegExp(`^(?:${spec.pattern})$`).test(value)) {
    fail(line, `default of param ${quote(spec.name)} does not match its pattern`);
  }
  if (spec.enum !== undefined && !spec.enum.includes(value)) fail(line, `default of param ${quote(spec.name)} is not one of its enum values`);
}

/**
 * The pattern must compile on its own too: `a)|(?:.*` compiles only once wrapped, and would
 * then escape the anchors and accept anything.
 */
function anchored(pattern: string, line: number, name: string, fail: Fail): void {
  try {
    new RegExp(pattern);
    new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    // V8 says `Invalid regular expression: /…/: why`; the pattern is already in the file.
    const message = err instanceof Error ? err.message : String(err);
    const why = message.slice(message.lastIndexOf(': ') + 2);
    fail(line, `invalid pattern for param ${quote(name)}: ${oneLine(why)}`);
  }
}

function readEnum(value: unknown, line: number, what: string, at: Lines, fail: Fail): string[] {
  if (!isSeq(value) || value.items.length === 0) fail(line, `${what} must be a non-empty list`);
  return value.items.map((item) => scalarText(item, at.of(item, line), `each entry of ${what}`, fail));
}

function readOfferOn(value: unknown, line: number, at: Lines, fail: Fail): OfferRule[] {
  if (!isSeq(value)) fail(line, 'offer_on must be a list of faults');
  return value.items.map((item) => {
    const itemLine = at.of(item, line);
    if (isScalar(item)) return { fault: fault(item, itemLine, fail) };
    const map = asMap(item, itemLine, 'each entry of offer_on', fail);
    let rule: OfferRule | undefined;
    let service: string | undefined;
    for (const pair of map.items) {
      const keyLine = at.ofPair(pair, itemLine);
      const key = keyName(pair, keyLine, 'offer_on', fail);
      if (!OFFER_KEYS.has(key)) fail(keyLine, `unknown key ${quote(key)} in offer_on (fault, service)`);
      if (key === 'fault') rule = { fault: fault(pair.value, keyLine, fail) };
      else service = matching(pair.value, SERVICE, keyLine, 'offer_on service', 'a Compose service, as service or project/service', fail);
    }
    if (!rule) fail(itemLine, "an offer_on entry needs 'fault'");
    if (service !== undefined) rule.service = service;
    return rule;
  });
}

function fault(value: unknown, line: number, fail: Fail): Fault {
  const word = string(value, line, 'fault', fail);
  const known = FAULTS.find((f) => f === word);
  if (!known) fail(line, `unknown fault ${quote(word)} (one of: ${FAULTS.join(', ')})`);
  return known;
}

function readTarget(value: unknown, line: number, at: Lines, fail: Fail): RunbookTarget {
  const map = asMap(value, line, 'target', fail);
  const target: RunbookTarget = {};
  for (const pair of map.items) {
    const keyLine = at.ofPair(pair, line);
    const key = keyName(pair, keyLine, 'target', fail);
    if (!TARGET_KEYS.has(key)) fail(keyLine, `unknown key ${quote(key)} in target (project, directory)`);
    if (key === 'project') target.project = matching(pair.value, PROJECT, keyLine, 'target project', 'a Compose project name', fail);
    else target.directory = directory(pair.value, keyLine, fail);
  }
  return target;
}

function directory(value: unknown, line: number, fail: Fail): string {
  const dir = string(value, line, 'target directory', fail);
  if (!dir.startsWith('/')) fail(line, 'target directory must be an absolute path');
  if (/[\0\r\n]/.test(dir)) fail(line, 'target directory must not contain NUL or line breaks');
  if (dir.length > MAX_DIRECTORY) fail(line, `target directory is longer than ${MAX_DIRECTORY} characters`);
  return dir;
}

function readSetup(value: unknown, line: number, at: Lines, fail: Fail): { id: string; line: number }[] {
  if (!isSeq(value)) fail(line, 'setup must be a list of check step ids');
  const seen = new Set<string>();
  return value.items.map((item) => {
    const itemLine = at.of(item, line);
    const id = string(item, itemLine, 'each entry of setup', fail);
    if (seen.has(id)) fail(itemLine, `setup lists ${quote(id)} twice`);
    seen.add(id);
    return { id, line: itemLine };
  });
}

function checkSetup(setup: { id: string; line: number }[], steps: Step[], fail: Fail): void {
  for (const entry of setup) {
    const step = steps.find((s) => s.id === entry.id);
    if (!step) fail(entry.line, `setup names ${quote(entry.id)}, which is not a step`);
    // Setup re-runs on resume without asking: only a check is safe to repeat unseen.
    if (step.kind !== 'check') fail(entry.line, `setup step ${quote(entry.id)} must be a check step (it is ${step.kind})`);
  }
}

// --- YAML value helpers

function isNull(value: unknown): boolean {
  return value === null || value === undefined || (isScalar(value) && value.value === null);
}

function keyName(pair: Pair<unknown, unknown>, line: number, where: string, fail: Fail): string {
  const key = pair.key;
  if (!isScalar(key) || key.value === null || typeof key.value === 'object') fail(line, `keys in ${where} must be plain words`);
  return String(key.value);
}

function asMap(value: unknown, line: number, what: string, fail: Fail): YAMLMap<unknown, unknown> {
  if (!isMap(value)) fail(line, `${what} must be a map`);
  return value;
}

function string(value: unknown, line: number, what: string, fail: Fail): string {
  if (!isScalar(value) || typeof value.value !== 'string') fail(line, `${what} must be a string`);
  return value.value;
}

/** Numbers and booleans as the author wrote them: `1.50` stays "1.50", `0x1F` stays "0x1F". */
function scalarText(value: unknown, line: number, what: string, fail: Fail): string {
  if (!isScalar(value)) fail(line, `${what} must be a string`);
  const v = value.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return value.source ?? String(v);
  return fail(line, `${what} must be a string`);
}

function matching(value: unknown, re: RegExp, line: number, what: string, hint: string, fail: Fail): string {
  const s = string(value, line, what, fail);
  if (!re.test(s)) fail(line, `invalid ${what} ${quote(s)} (${hint})`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Body: fences and headings

interface Fence {
  /** File line of the opening fence. */
  line: number;
  language: string;
  /** The info string after the language. */
  rest: string;
  /** Content lines with the fence's own indentation taken off. */
  content: { text: string; line: number }[];
  /** The nearest heading above, if any. */
  heading: string | undefined;
}

const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const HEADING_OPEN = /^ {0,3}#{1,6}(?=[ \t]|$)/;
const HTML_COMMENT = /^ {0,3}<!--/;

/** Fenced code blocks from `start` (a 0-based index into lines) on, as CommonMark finds them. */
function scanFences(lines: string[], start: number, fail: Fail): Fence[] {
  const fences: Fence[] = [];
  let heading: string | undefined;
  let i = start;
  while (i < lines.length) {
    const text = lines[i]!;
    // A fence inside an HTML comment is not rendered: it must not run either.
    if (HTML_COMMENT.test(text)) {
      i = commentEnd(lines, i) + 1;
      continue;
    }
    const h = atxHeading(text);
    if (h !== undefined) {
      heading = h;
      i++;
      continue;
    }
    const open = FENCE_OPEN.exec(text);
    // CommonMark: a backtick fence's info string has no backticks (it would be inline code).
    if (!open || (open[2]!.startsWith('`') && open[3]!.includes('`'))) {
      i++;
      continue;
    }
    const fence = readFence(lines, i, open[1]!.length, open[2]!, open[3]!.trim(), heading, fail);
    fences.push(fence);
    i += fence.content.length + 2;
  }
  return fences;
}

function commentEnd(lines: string[], from: number): number {
  const first = lines[from]!;
  if (first.indexOf('-->', first.indexOf('<!--') + 4) >= 0) return from;
  for (let j = from + 1; j < lines.length; j++) if (lines[j]!.includes('-->')) return j;
  return lines.length - 1;
}

/**
 * The text of an ATX heading (`## Title ##`), or undefined for any other line. By hand, not by
 * one regex: a lazy match before trailing blanks backtracks quadratically on a long line.
 */
function atxHeading(line: string): string | undefined {
  const open = HEADING_OPEN.exec(line);
  if (!open) return undefined;
  const text = line.slice(open[0].length).trim();
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  // A closing run of #s is decoration when a blank precedes it, or when it is all there is.
  if (end === 0) return '';
  if (end < text.length && (text[end - 1] === ' ' || text[end - 1] === '\t')) return text.slice(0, end).trim();
  return text;
}

function readFence(lines: string[], at: number, indent: number, marker: string, info: string, heading: string | undefined, fail: Fail): Fence {
  const closing = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
  const language = info.split(/[ \t]+/)[0] ?? '';
  const rest = info.slice(language.length).trim();
  const content: { text: string; line: number }[] = [];
  for (let j = at + 1; j < lines.length; j++) {
    const text = lines[j]!;
    if (closing.test(text)) return { line: at + 1, language, rest, content, heading };
    content.push({ text: dedent(text, indent), line: j + 1 });
  }
  return fail(at + 1, 'code fence is never closed');
}

function dedent(text: string, indent: number): string {
  let n = 0;
  while (n < indent && text[n] === ' ') n++;
  return text.slice(n);
}

// --- Info string attributes

/** `key=value key="quoted \"value\""`; anything else is refused. */
function parseAttributes(text: string): Map<string, string> | { error: string } {
  const attrs = new Map<string, string>();
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) return attrs;
    const key = /^[A-Za-z_][A-Za-z0-9_-]*(?==)/.exec(text.slice(i))?.[0];
    if (key === undefined) return { error: `expected key=value in the info string, found ${quote(text.slice(i).split(/[ \t]/)[0]!)}` };
    if (attrs.has(key)) return { error: `attribute ${quote(key)} is given twice` };
    i += key.length + 1;
    const value = readAttributeValue(text, i, key);
    if ('error' in value) return value;
    attrs.set(key, value.value);
    i = value.end;
    if (i < text.length && text[i] !== ' ' && text[i] !== '\t') return { error: `expected a space after ${key}=… in the info string` };
  }
}

function readAttributeValue(text: string, i: number, key: string): { value: string; end: number } | { error: string } {
  if (text[i] === '"') {
    let value = '';
    let j = i + 1;
    for (;;) {
      const c = text[j];
      if (c === undefined) return { error: `unterminated quoted value of ${key}=` };
      if (c === '"') return { value, end: j + 1 };
      if (c === '\\') {
        const e = text[j + 1];
        if (e !== '"' && e !== '\\') return { error: `unknown escape in ${key}= (only \\" and \\\\)` };
        value += e;
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
  }
  if (text[i] === "'") return { error: `${key}= is in single quotes (quote values with "…")` };
  const unquoted = /^[^\s"']*/.exec(text.slice(i))![0];
  if (unquoted === '') return { error: `${key}= has no value` };
  return { value: unquoted, end: i + unquoted.length };
}

// ---------------------------------------------------------------------------------------------
// Steps

interface PendingStep {
  step: Step;
  when: WhenExpr | undefined;
  /** on_failure=ID, checked once every step is known. */
  gotoTarget: string | undefined;
}

function readSteps(lines: string[], start: number, paramNames: ReadonlySet<string>, fail: Fail): PendingStep[] {
  const steps: PendingStep[] = [];
  const seen = new Map<string, number>();
  for (const fence of scanFences(lines, start, fail)) {
    const attrs = stepAttributes(fence, fail);
    if (!attrs) continue;
    if (steps.length === MAX_STEPS) fail(fence.line, `too many steps (at most ${MAX_STEPS})`);
    const pending = readStep(fence, attrs, paramNames, fail);
    const earlier = seen.get(pending.step.id);
    if (earlier !== undefined) fail(fence.line, `step ${quote(pending.step.id)} is already defined on line ${earlier}`);
    seen.set(pending.step.id, fence.line);
    steps.push(pending);
  }
  return steps;
}

/** The attributes of a step fence, or undefined for a documentation block. */
function stepAttributes(fence: Fence, fail: Fail): Map<string, string> | undefined {
  const attrs = parseAttributes(fence.rest);
  const isStepLanguage = STEP_LANGUAGES.has(fence.language);
  if ('error' in attrs) {
    // Other tools' info strings (`js {1,3}`, `sh {.numbered}`) are theirs to read; a would-be
    // step is ours, and opsdeck and manual blocks are only ever steps.
    const ours = fence.language === 'opsdeck' || fence.language === 'manual' || /(^|[ \t])step=/.test(fence.rest);
    if (!ours) return undefined;
    return fail(fence.line, attrs.error);
  }
  if (fence.language.startsWith('step=')) fail(fence.line, 'a step fence starts with its language (sh, bash, shell, opsdeck or manual)');
  if (!attrs.has('step')) {
    if (!isStepLanguage) return undefined;
    // Shell blocks without step= are example commands; opsdeck and manual blocks are only ever steps.
    if (SHELL_LANGUAGES.has(fence.language) && !STEP_ONLY_ATTRIBUTES.some((a) => attrs.has(a))) return undefined;
    fail(fence.line, 'a step fence needs step=ID');
  }
  if (!isStepLanguage) fail(fence.line, `a step fence must be sh, bash, shell, opsdeck or manual, not ${quote(fence.language)}`);
  for (const key of attrs.keys()) {
    if (!STEP_ATTRIBUTES.has(key)) fail(fence.line, `unknown attribute ${quote(key)} (${[...STEP_ATTRIBUTES].join(', ')})`);
  }
  return attrs;
}

function readStep(fence: Fence, attrs: Map<string, string>, paramNames: ReadonlySet<string>, fail: Fail): PendingStep {
  const line = fence.line;
  const id = attrs.get('step')!;
  if (!STEP_ID.test(id)) fail(line, `invalid step id ${quote(id)} (lower-case letters, digits, _ and -, starting with a letter)`);
  const kind = stepKind(attrs.get('kind'), fence.language, line, fail);
  const body = stepBody(fence, kind, paramNames, fail);
  const title = stepTitle(attrs.get('title'), fence.heading, id, line, fail);
  const timeoutMs = duration(attrs.get('timeout'), kind === 'wait' ? DEFAULT_WAIT_TIMEOUT_MS : DEFAULT_STEP_TIMEOUT_MS, 'timeout', line, fail);
  const interval = attrs.get('interval');
  if (interval !== undefined && kind !== 'wait') fail(line, 'interval= is only for wait steps');
  const intervalMs = duration(interval, DEFAULT_WAIT_INTERVAL_MS, 'interval', line, fail);
  if (kind === 'wait' && intervalMs > timeoutMs) fail(line, 'interval= is longer than timeout= (the wait would poll once at most)');
  const confirm = yesNo(attrs.get('confirm'), kind === 'act', line, fail);
  const { onFailure, gotoTarget } = failurePolicy(attrs.get('on_failure'), line, fail);

  const step: Step = { id, kind, title, line, confirm, timeoutMs, intervalMs, onFailure, body };
  const whenText = attrs.get('when');
  let when: WhenExpr | undefined;
  if (whenText !== undefined) {
    when = whenExpression(whenText, line, fail);
    step.when = whenText;
  }
  return { step, when, gotoTarget };
}

function stepKind(value: string | undefined, language: string, line: number, fail: Fail): StepKind {
  // act asks before it runs: the safe reading of a step that does not say what it is.
  if (value === undefined) return language === 'manual' ? 'manual' : 'act';
  const kind = STEP_KINDS.find((k) => k === value);
  if (!kind) fail(line, `unknown kind ${quote(value)} (${STEP_KINDS.join(', ')})`);
  return kind;
}

function stepTitle(value: string | undefined, heading: string | undefined, id: string, line: number, fail: Fail): string {
  if (value !== undefined) {
    if (value.trim() === '') fail(line, 'title= must not be empty');
    if (value.length > MAX_TITLE) fail(line, `title= is longer than ${MAX_TITLE} characters`);
    return value;
  }
  return heading || id;
}

function duration(value: string | undefined, fallback: number, what: string, line: number, fail: Fail): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined) fail(line, `invalid ${what}= ${quote(value)} (a number with ms, s, m or h, above 0 and at most 24h)`);
  return ms;
}

function yesNo(value: string | undefined, fallback: boolean, line: number, fail: Fail): boolean {
  if (value === undefined) return fallback;
  if (value !== 'yes' && value !== 'no') fail(line, `confirm= must be yes or no, not ${quote(value)}`);
  return value === 'yes';
}

function failurePolicy(value: string | undefined, line: number, fail: Fail): { onFailure: OnFailure; gotoTarget: string | undefined } {
  if (value === undefined || value === 'stop') return { onFailure: { kind: 'stop' }, gotoTarget: undefined };
  if (value === 'continue') return { onFailure: { kind: 'continue' }, gotoTarget: undefined };
  if (!STEP_ID.test(value)) fail(line, `on_failure= must be stop, continue or a step id, not ${quote(value)}`);
  return { onFailure: { kind: 'goto', step: value }, gotoTarget: value };
}

function whenExpression(text: string, line: number, fail: Fail): WhenExpr {
  try {
    return parseWhen(text);
  } catch (err) {
    if (err instanceof WhenError) return fail(line, `invalid when=: ${oneLine(err.message)}`);
    throw err;
  }
}

/** Checks that need every step: when= may only look back, on_failure= may only jump forward. */
function checkStepReferences(steps: PendingStep[], params: ReadonlySet<string>, fail: Fail): void {
  const before = new Set<string>();
  const index = new Map(steps.map((p, i) => [p.step.id, i]));
  steps.forEach(({ step, when, gotoTarget }, i) => {
    if (when) {
      const problem = validateWhen(when, { stepIds: before, params });
      if (problem !== undefined) fail(step.line, `invalid when=: ${oneLine(problem)}`);
    }
    if (gotoTarget !== undefined) {
      const target = index.get(gotoTarget);
      if (target === undefined) fail(step.line, `on_failure= names ${quote(gotoTarget)}, which is not a step`);
      // Jumping back could loop for ever.
      if (target <= i) fail(step.line, `on_failure= may only jump forward, and ${quote(gotoTarget)} is not after ${quote(step.id)}`);
    }
    before.add(step.id);
  });
}

// --- Bodies

function stepBody(fence: Fence, kind: StepKind, paramNames: ReadonlySet<string>, fail: Fail): StepBody {
  const nul = fence.content.find((c) => c.text.includes('\0'));
  if (nul) fail(nul.line, 'step body contains a NUL byte');
  if ((kind === 'manual') !== (fence.language === 'manual')) {
    fail(fence.line, kind === 'manual' ? 'a manual step is a ```manual fence' : `a manual fence is a manual step, not kind=${kind}`);
  }
  if (fence.language === 'manual') return manualBody(fence, fail);
  if (fence.language === 'opsdeck') return actionBody(fence, kind, paramNames, fail);
  return shellBody(fence, fail);
}

function manualBody(fence: Fence, fail: Fail): StepBody {
  const text = fence.content.map((c) => c.text).join('\n').trim();
  if (text === '') fail(fence.line, 'a manual step needs its instruction in the fence');
  return { type: 'manual', text };
}

function shellBody(fence: Fence, fail: Fail): StepBody {
  // As CommonMark gives a code block's content: every line ends in a newline.
  const script = fence.content.map((c) => `${c.text}\n`).join('');
  if (script.trim() === '') fail(fence.line, 'a shell step needs a script in the fence');
  return { type: 'shell', shell: fence.language === 'bash' ? 'bash' : 'sh', script };
}

function actionBody(fence: Fence, kind: StepKind, paramNames: ReadonlySet<string>, fail: Fail): StepBody {
  const filled = fence.content.filter((c) => c.text.trim() !== '');
  const first = filled[0];
  if (!first) fail(fence.line, 'an opsdeck step needs one action line (such as: restart api)');
  const second = filled[1];
  if (second) fail(second.line, 'an opsdeck step holds one action line only');
  const argv = splitActionWords(first.text);
  if ('error' in argv) return fail(first.line, argv.error);
  const action = argv[0] ?? '';
  if (!ACTIONS.has(action)) fail(first.line, `unknown action ${quote(action)} (${[...ACTIONS].join(', ')})`);
  checkActionKind(action === 'backup' && argv[1] === 'list' ? 'backup list' : action, kind, fence.line, fail);
  for (const word of argv) checkReferences(word, paramNames, first.line, fail);
  return { type: 'action', argv };
}

function checkActionKind(action: string, kind: StepKind, line: number, fail: Fail): void {
  // A wait polls until its action exits 0: a service healthy, the whole grid well (status), the
  // server unlocked and back (unlock, which answers "unreachable" while it reboots).
  if (kind === 'wait' && !WAIT_ACTIONS.has(action)) fail(line, `a wait step polls a shell script, 'healthy', 'status' or 'unlock', not ${quote(action)}`);
  // 'healthy' in a check step asks once; in a wait step it polls.
  if (kind !== 'wait' && kind !== 'check' && action === 'healthy') fail(line, "'healthy' only looks: use it in a check step (once) or a wait step (until it holds)");
  if (kind === 'check' && !READ_ONLY_ACTIONS.has(action)) fail(line, `a check step may only look (logs, status, healthy, backup list), not ${quote(action)}`);
}

/** Every ${NAME} in a word is a declared param or a capture an earlier step may write. */
function checkReferences(word: string, paramNames: ReadonlySet<string>, line: number, fail: Fail): void {
  let i = word.indexOf('${');
  while (i >= 0) {
    const end = word.indexOf('}', i + 2);
    if (end < 0) fail(line, `unterminated \${ in ${quote(word)}`);
    const name = word.slice(i + 2, end);
    if (!paramNames.has(name) && !CAPTURE_NAME.test(name)) fail(line, `unknown parameter ${quote(name)}`);
    i = word.indexOf('${', end + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

/** A name from the file, quoted for a one-line message: control characters shown, long ones cut. */
function quote(s: string): string {
  const cut = s.length > 64 ? `${s.slice(0, 64)}…` : s;
  return `'${cut.replace(/[\x00-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

function oneLine(message: string): string {
  return message
    .split('\n')[0]!
    .trim()
    .replace(/\.$/, '');
}
