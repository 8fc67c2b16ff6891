/**
 * One row of the log view as one styled string: gutter, tag, time and body, with our own SGR.
 * One Ink <Text> per row instead of a nest of them is what keeps redraws cheap under a flood
 * (every frame may show 40 new lines), and cutting the body to the screen width here spares Ink
 * from measuring 16 KB lines. Pure: the view draws what this returns.
 *
 * Only opsdeck's own SGR and the container's validated SGR (already checked by the sanitiser)
 * can appear; a cut never falls inside a sequence, and colours are reset at the end.
 */
import { shortTime } from '../src/logs/docker-timestamp.js';
import { LEVEL_COLOURS, restText, structuredParts } from '../src/logs/log-format.js';
import { jsonOf, type LogLine } from '../src/logs/log-line.js';

export interface RowOptions {
  /** Padded tag, or null for no tag column. */
  tag: string | null;
  tagColour: string | undefined;
  timestamps: boolean;
  structured: boolean;
  /** Keep the container's own (validated) colours. */
  colours: boolean;
  /** Use colour at all (NO_COLOR, --no-color). */
  color: boolean;
  selected: boolean;
  search: RegExp | null;
  wrap: boolean;
  /** Columns for the whole row. */
  width: number;
}

const CODES: Record<string, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
  cyanBright: [96, 39],
  yellowBright: [93, 39],
  greenBright: [92, 39],
  magentaBright: [95, 39],
  blueBright: [94, 39],
  bold: [1, 22],
  dim: [2, 22],
  inverse: [7, 27],
};

function style(on: boolean, name: string | undefined, s: string): string {
  if (!on || !name || s === '') return s;
  const c = CODES[name];
  return c ? `\u001b[${c[0]}m${s}\u001b[${c[1]}m` : s;
}

const ASCII = /^[\x20-\x7e]*$/;

/**
 * Cut plain text to `cols` cells when that is cheap to know (ASCII): cut at the edge, no marker,
 * as pagers do, so the row stays pure ASCII and Ink measures it by its length. Otherwise leave
 * Ink a margin to cut by display width.
 */
function fit(s: string, cols: number, wrap: boolean): string {
  if (wrap || s.length <= cols) return s;
  const head = s.slice(0, cols);
  if (ASCII.test(head)) return head;
  return s.slice(0, cols * 2 + 8);
}

export function rowText(line: LogLine, o: RowOptions): string {
  const c = o.color && !o.selected;
  const system = line.stream === 'system';
  // ASCII gutter marks: a row without any non-ASCII character is measured by its length.
  let head = system ? style(c, 'cyan', '*') : line.stream === 'stderr' ? style(c, 'red', '!') : ' ';
  let used = 1;
  if (o.tag !== null) {
    head += style(c, o.tagColour, `${o.tag} `);
    used += o.tag.length + 1;
  }
  if (o.timestamps) {
    head += style(c, 'dim', `${shortTime(line.ts).padEnd(12)} `);
    used += 13;
  }
  const cols = Math.max(1, o.width - used);
  let body: string;
  if (system) body = style(c, 'cyan', fit(line.plain, cols, o.wrap));
  else body = bodyOf(line, o, c, cols);
  const row = head + body;
  return o.selected ? `\u001b[7m${row}\u001b[27m` : row;
}

function bodyOf(line: LogLine, o: RowOptions, c: boolean, cols: number): string {
  const json = o.structured ? jsonOf(line) : null;
  const parts = json ? structuredParts(json) : null;
  if (o.search) {
    const text = parts ? joinParts(parts) : line.plain;
    const shown = fit(text, cols, o.wrap);
    if (o.search.test(shown)) return highlightText(shown, o.search, o.color, o.selected);
  }
  if (parts) {
    const levelColour = line.level ? (LEVEL_COLOURS[line.level] ?? undefined) : undefined;
    const loud = line.level === 'error' || line.level === 'fatal' || line.level === 'warn';
    // Fit the plain form first, then colour the pieces that survived the cut.
    const pieces: [string, string | undefined, boolean][] = [];
    if (parts.time) pieces.push([`${parts.time} `, 'dim', false]);
    if (parts.level) pieces.push([`${parts.level.toUpperCase().padEnd(5)} `, levelColour, loud]);
    if (parts.event) pieces.push([`${parts.event} `, undefined, true]);
    if (parts.message) pieces.push([`${parts.message} `, loud ? levelColour : undefined, false]);
    pieces.push([restText(parts.rest), 'dim', false]);
    let left = o.wrap ? Number.POSITIVE_INFINITY : cols;
    let out = '';
    for (const [text, colour, bold] of pieces) {
      if (left <= 0) break;
      const t = left === Number.POSITIVE_INFINITY ? text : fit(text, left, false);
      left -= t.length;
      out += style(c && bold, 'bold', style(c, colour, t));
    }
    return out;
  }
  if (o.colours && c && line.text !== line.plain) return clipAnsi(line.text, o.wrap ? Number.POSITIVE_INFINITY : cols * 2 + 16);
  return fit(line.plain, cols, o.wrap);
}

function joinParts(p: NonNullable<ReturnType<typeof structuredParts>>): string {
  return [p.time, p.level ? p.level.toUpperCase().padEnd(5) : '', p.event, p.message, restText(p.rest)].filter((s) => s !== '').join(' ');
}

/** Cut text that holds SGR sequences without cutting one in half; reset colours at the end. */
export function clipAnsi(s: string, limit: number): string {
  if (s.length <= limit) return s.includes('\u001b') ? `${s}\u001b[0m` : s;
  let cut = limit;
  const esc = s.lastIndexOf('\u001b', cut);
  if (esc >= 0) {
    const end = s.indexOf('m', esc);
    if (end < 0 || end >= cut) cut = esc;
  }
  return `${s.slice(0, cut)}\u001b[0m`;
}

/** Matches in inverse yellow (inverse alone without colour; underlined on the selected, already inverse, row). */
export function highlightText(text: string, re: RegExp, color: boolean, selected = false): string {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(g)) {
    const start = m.index ?? 0;
    if (m[0] === '') continue;
    out += text.slice(last, start);
    out += selected ? `\u001b[4m${m[0]}\u001b[24m` : color ? `\u001b[33m\u001b[7m${m[0]}\u001b[27m\u001b[39m` : `\u001b[7m${m[0]}\u001b[27m`;
    last = start + m[0].length;
  }
  return out + text.slice(last);
}
