/**
 * One log line as the models, the view and the CLI see it. This is where a container's text
 * enters the model, so this is where it is sanitised: once, keeping only validated SGR colours
 * (the view can strip those too), with the cut marker appended after sanitising so it is ours.
 */
import { formatBytes } from '../render/bytes.js';
import { sanitise } from '../text/sanitise.js';
import { normaliseTimestamp } from './docker-timestamp.js';
import type { StreamName } from './frame-demux.js';
import { jsonLevel, parseJsonFields, type JsonFields } from './json-fields.js';
import type { RawLine } from './line-assembler.js';
import { detectTextLevel, type Level } from './log-level.js';

export type LogStream = StreamName | 'system';

export interface LogLine {
  /** Position in the view's buffer; assigned when the line is stored (-1 before). */
  seq: number;
  /** Index of the container in the view's source list; -1 for opsdeck's own notices. */
  source: number;
  stream: LogStream;
  /** Fixed-width UTC RFC 3339 with nanoseconds (string order = time order), or ''. */
  ts: string;
  /** Sanitised text, validated SGR kept, with the cut marker when cut. */
  text: string;
  /** `text` without any SGR: what filters and search look at (the same string when it had none). */
  plain: string;
  /** Size of the original line in bytes. */
  bytes: number;
  cut: boolean;
  /** The line is a JSON object: jsonOf() gives its fields. */
  isJson: boolean;
  level: Level | null;
}

export function cutMarker(kept: number, total: number): string {
  return ` ✂ [line cut: ${formatBytes(total)}, first ${formatBytes(kept)} shown]`;
}

/** `recognise` false: no JSON or level detection (isJson false, level null), for output that uses neither. */
export function toLogLine(raw: RawLine, source: number, ts: string = normaliseTimestamp(raw.ts), recognise = true): LogLine {
  const json = raw.cut || !recognise ? null : jsonLevel(raw.text);
  let text = sanitise(raw.text, { keepSgr: true });
  let plain = text.includes('\u001b') ? sanitise(text) : text;
  if (raw.cut) {
    const marker = cutMarker(Buffer.byteLength(raw.text), raw.bytes);
    text += marker;
    plain += marker;
  }
  return {
    seq: -1,
    source,
    stream: raw.stream,
    ts,
    text,
    plain,
    bytes: raw.bytes,
    cut: raw.cut,
    isJson: json !== null,
    level: json ? json.level : recognise ? detectTextLevel(plain) : null,
  };
}

// The last few lines whose fields were asked for (the rows on screen, a trace): parsing the same
// visible lines on every redraw would cost more than keeping them.
const FIELDS_CACHE = 512;
const fieldsCache = new Map<LogLine, JsonFields>();

/**
 * A JSON line's fields, parsed from its sanitised text (valid JSON stays valid: sanitising only
 * removes characters JSON would have escaped) and sanitised again field by field.
 */
export function jsonOf(line: LogLine): JsonFields | null {
  if (!line.isJson) return null;
  const hit = fieldsCache.get(line);
  if (hit) return hit;
  const fields = parseJsonFields(line.plain);
  if (!fields) return null;
  if (fieldsCache.size >= FIELDS_CACHE) fieldsCache.delete(fieldsCache.keys().next().value!);
  fieldsCache.set(line, fields);
  return fields;
}

/** A line of opsdeck's own (reconnected, stream ended) shown among the container's lines. */
export function noticeLine(text: string, ts = ''): LogLine {
  return { seq: -1, source: -1, stream: 'system', ts, text, plain: text, bytes: 0, cut: false, isJson: false, level: null };
}

/** Rough memory a stored line holds, for the buffer's byte budget. */
export function lineCost(l: LogLine): number {
  return 120 + l.text.length * 2 + (l.plain === l.text ? 0 : l.plain.length * 2);
}
