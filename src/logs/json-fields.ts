/**
 * JSON log lines: a line that parses as a JSON object becomes a flat list of fields
 * ("request.method" for nested keys) with every key and value sanitised, plus the few fields the
 * structured view and the filters know by role: time, level, event, message, request id.
 *
 * Fields are a list of pairs rather than an object: keys come from the server, and one named
 * "__proto__" must stay a field, not become a prototype.
 */
import { sanitise } from '../text/sanitise.js';
import { normaliseLevel, type Level } from './log-level.js';

export type Field = readonly [key: string, value: string];

export interface JsonFields {
  fields: readonly Field[];
  /** Indexes into `fields` of the well-known roles, -1 when absent. */
  time: number;
  level: number;
  event: number;
  message: number;
  requestId: number;
  /** The level field, normalised. */
  levelValue: Level | null;
}

const TIME_KEYS = ['time', 'ts', 'timestamp', '@timestamp', 't', 'datetime', 'date'];
const LEVEL_KEYS = ['level', 'lvl', 'severity', 'loglevel', 'log.level', 'levelname', '@l', 'level_name'];
const EVENT_KEYS = ['event', 'logger', 'evt', 'event.name'];
const MESSAGE_KEYS = ['msg', 'message', '@m', 'log', 'text'];
const REQUEST_ID = /^(?:x[-_])?(?:request|req|trace|correlation)[-_.]?id$/i;

const MAX_DEPTH = 4;
const MAX_FIELDS = 64;
const MAX_VALUE = 2048;

/** The line parsed as a JSON object, or null (cheap test first: most text lines never reach JSON.parse). */
function parseObject(raw: string): Record<string, unknown> | null {
  let start = 0;
  while (start < raw.length && (raw.charCodeAt(start) === 0x20 || raw.charCodeAt(start) === 0x09)) start++;
  if (raw.charCodeAt(start) !== 0x7b) return null;
  let end = raw.length - 1;
  while (end > start && (raw.charCodeAt(end) === 0x20 || raw.charCodeAt(end) === 0x09 || raw.charCodeAt(end) === 0x0d)) end--;
  if (raw.charCodeAt(end) !== 0x7d) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Fields of a JSON object line, or null when the line is not one. */
export function parseJsonFields(raw: string): JsonFields | null {
  const value = parseObject(raw);
  if (!value) return null;
  const fields: Field[] = [];
  flatten(value, '', 0, fields);
  return withRoles(fields, value);
}

/**
 * What ingest needs of a JSON line: that it is one, and its level. The fields themselves are
 * parsed again when something looks at them (jsonOf in log-line.ts): a buffer of 10,000 lines
 * then holds 10,000 strings instead of 100,000 small objects, which is what keeps memory flat
 * under a flood.
 */
export function jsonLevel(raw: string): { level: Level | null } | null {
  const value = parseObject(raw);
  if (!value) return null;
  for (const k of LEVEL_KEYS) {
    const v = k === 'log.level' ? (value.log as Record<string, unknown> | undefined)?.level : value[k];
    if (v !== undefined) {
      const level = normaliseLevel(typeof v === 'number' ? v : typeof v === 'string' ? sanitise(v) : undefined);
      if (level) return { level };
    }
  }
  return { level: null };
}

function flatten(obj: Record<string, unknown>, prefix: string, depth: number, out: Field[]): void {
  for (const key of Object.keys(obj)) {
    if (out.length >= MAX_FIELDS) return;
    const v = obj[key];
    const name = prefix + sanitise(key);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH) {
      flatten(v as Record<string, unknown>, `${name}.`, depth + 1, out);
      continue;
    }
    out.push([name, valueText(v)]);
  }
}

function valueText(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (v === null) s = 'null';
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  if (s.length > MAX_VALUE) s = `${s.slice(0, MAX_VALUE)}…`;
  return sanitise(s);
}

function withRoles(fields: Field[], obj: Record<string, unknown>): JsonFields {
  const find = (keys: readonly string[]) => {
    for (const k of keys) {
      const i = fields.findIndex((f) => f[0] === k);
      if (i >= 0) return i;
    }
    return -1;
  };
  const level = find(LEVEL_KEYS);
  let levelValue: Level | null = null;
  if (level >= 0) {
    // Numbers stay numbers for pino's levels; the field list holds their text.
    const rawLevel = obj[fields[level]![0]];
    levelValue = normaliseLevel(typeof rawLevel === 'number' ? rawLevel : fields[level]![1]);
  }
  return {
    fields,
    time: find(TIME_KEYS),
    level,
    event: find(EVENT_KEYS),
    message: find(MESSAGE_KEYS),
    requestId: fields.findIndex((f) => REQUEST_ID.test(f[0])),
    levelValue,
  };
}

export function fieldValue(j: JsonFields | null, key: string): string | undefined {
  if (!j) return undefined;
  for (const f of j.fields) if (f[0] === key) return f[1];
  return undefined;
}
