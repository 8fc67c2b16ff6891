/**
 * Pure renderers for log lines: the plain text the CLI prints and `w` saves, the structured
 * form of JSON lines ("time level event message key=value…"), the --json record, and the tag
 * colours. Input is already sanitised (LogLine); nothing here adds anything but our own SGR.
 */
import type { JsonFields } from './json-fields.js';
import type { Level } from './log-level.js';
import { jsonOf, type LogLine } from './log-line.js';

/** Tag colours in the order Compose hands them out. */
export const TAG_COLOURS = ['cyan', 'yellow', 'green', 'magenta', 'blue', 'cyanBright', 'yellowBright', 'greenBright', 'magentaBright', 'blueBright'] as const;
export type TagColour = (typeof TAG_COLOURS)[number];

export function tagColour(source: number): TagColour {
  return TAG_COLOURS[((source % TAG_COLOURS.length) + TAG_COLOURS.length) % TAG_COLOURS.length]!;
}

const SGR_CODE: Record<TagColour | 'red' | 'gray', number> = {
  cyan: 36,
  yellow: 33,
  green: 32,
  magenta: 35,
  blue: 34,
  cyanBright: 96,
  yellowBright: 93,
  greenBright: 92,
  magentaBright: 95,
  blueBright: 94,
  red: 31,
  gray: 90,
};

export function sgr(text: string, colour: keyof typeof SGR_CODE): string {
  return `\u001b[${SGR_CODE[colour]}m${text}\u001b[39m`;
}

export const LEVEL_COLOURS: Record<Level, 'red' | 'yellow' | 'green' | 'gray' | 'magenta' | null> = {
  fatal: 'magenta',
  error: 'red',
  warn: 'yellow',
  info: 'green',
  debug: 'gray',
  trace: 'gray',
};

export interface PlainLineOptions {
  /** Tags of the sources; null prints no tag (one container, as `docker logs`). */
  tags: readonly string[] | null;
  tagWidth: number;
  timestamps: boolean;
  /** Keep the container's validated SGR and colour the tags. */
  colour: boolean;
}

export function tagWidth(tags: readonly string[]): number {
  return tags.reduce((w, t) => Math.max(w, t.length), 0);
}

/** One line as `docker compose logs` prints it: "api-1  | text", with --timestamps the time first. */
export function formatPlainLine(line: LogLine, opts: PlainLineOptions): string {
  const body = opts.colour ? line.text : line.plain;
  let head = '';
  if (line.stream === 'system') {
    const note = `-- ${line.plain}`;
    return opts.colour ? sgr(note, 'gray') : note;
  }
  if (opts.tags) {
    const tag = (opts.tags[line.source] ?? '?').padEnd(opts.tagWidth);
    head = `${opts.colour ? sgr(tag, tagColour(line.source)) : tag} | `;
  }
  if (opts.timestamps && line.ts) head = `${line.ts} ${head}`;
  return head + body;
}

export interface StructuredParts {
  time: string;
  level: string;
  event: string;
  message: string;
  /** Every other field, in the order the line had them. */
  rest: readonly (readonly [string, string])[];
}

/** A JSON line in the structured form's parts; null for lines that are not JSON. */
export function structuredParts(json: JsonFields | null): StructuredParts | null {
  if (!json) return null;
  const pick = (i: number) => (i >= 0 ? json.fields[i]![1] : '');
  const used = new Set([json.time, json.level, json.event, json.message]);
  return {
    time: shortFieldTime(pick(json.time)),
    level: json.levelValue ?? pick(json.level),
    event: pick(json.event),
    message: pick(json.message),
    rest: json.fields.filter((_, i) => !used.has(i)),
  };
}

/** "time level event message key=value…" as one string (for width math and plain output). */
export function structuredText(p: StructuredParts): string {
  const parts = [p.time, p.level ? p.level.toUpperCase().padEnd(5) : '', p.event, p.message, restText(p.rest)];
  return parts.filter((s) => s !== '').join(' ');
}

export function restText(rest: StructuredParts['rest']): string {
  return rest.map(([k, v]) => `${k}=${quoteValue(v)}`).join(' ');
}

function quoteValue(v: string): string {
  return v === '' || /[\s"=]/.test(v) ? JSON.stringify(v) : v;
}

/**
 * A JSON time field shortened to the time of day: "2026-11-22T18:33:04.123Z" → "18:33:04.123";
 * epoch seconds or milliseconds (Caddy's "ts": 1732300384.123) likewise, in UTC.
 */
export function shortFieldTime(v: string): string {
  if (v === '') return '';
  const iso = /^\d{4}-\d\d-\d\d[T ](\d\d:\d\d:\d\d(?:\.\d{1,3})?)/.exec(v);
  if (iso) return iso[1]!;
  if (/^\d{9,13}(\.\d+)?$/.test(v)) {
    const n = Number(v);
    const ms = n > 1e11 ? n : n * 1000;
    return new Date(ms).toISOString().slice(11, 23);
  }
  return v.length > 24 ? `${v.slice(0, 23)}…` : v;
}

export interface JsonRecord {
  service: string | null;
  container: string;
  stream: string;
  time: string | null;
  level: Level | null;
  text: string;
  cut: boolean;
  fields: Record<string, string> | null;
}

/** The --json output for one line. `fields` is built on a null prototype: keys are the server's. */
export function jsonRecord(line: LogLine, target: { service: string | null; name: string } | null): JsonRecord {
  let fields: Record<string, string> | null = null;
  const json = jsonOf(line);
  if (json) {
    fields = Object.create(null) as Record<string, string>;
    for (const [k, v] of json.fields) fields[k] = v;
  }
  return {
    service: target?.service ?? null,
    container: target?.name ?? 'opsdeck',
    stream: line.stream,
    time: line.ts || null,
    level: line.level,
    text: line.plain,
    cut: line.cut,
    fields,
  };
}
