/**
 * The log view's own state as a pure reducer, plus the layout that decides which lines fit the
 * screen (the @inkjs/ui split: LogView.tsx draws, this decides, the screen's one input hook
 * dispatches).
 *
 * Positions are sequence numbers from the buffer, not indexes: a paused view keeps showing the
 * same lines while new ones arrive below and the filter or the buffer's eviction shifts
 * indexes. Following means "the newest lines at the bottom".
 */
import { displayWidth } from '../src/render/columns.js';
import { structuredParts, structuredText } from '../src/logs/log-format.js';
import { smartRegex } from '../src/logs/log-filter.js';
import { jsonOf, type LogLine } from '../src/logs/log-line.js';
import type { LineWindow } from '../src/logs/log-store.js';

export interface LogViewState {
  follow: boolean;
  /** Paused: seq of the selected line and of the top line. */
  cursor: number;
  top: number;
  /**
   * Paused by space: the newest line shown at that moment. Lines after it stay hidden (counted
   * as "newer below") even where the screen has room, so the picture holds still. Moving
   * through the buffer lifts it.
   */
  end: number;
  wrap: boolean;
  timestamps: boolean;
  /** JSON lines as "time level event message key=value…". */
  structured: boolean;
  /** Keep the container's validated SGR colours. */
  colours: boolean;
  /** The search regex source; null for none. */
  search: string | null;
}

export const initialLogViewState: LogViewState = {
  follow: true,
  cursor: -1,
  top: -1,
  end: Number.POSITIVE_INFINITY,
  wrap: false,
  timestamps: false,
  structured: false,
  colours: true,
  search: null,
};

export type LogViewEvent =
  | { type: 'togglePause' }
  | { type: 'follow' }
  | { type: 'move'; delta: number }
  | { type: 'page'; delta: number }
  | { type: 'oldest' }
  | { type: 'toggle'; what: 'wrap' | 'timestamps' | 'structured' | 'colours' }
  | { type: 'search'; query: string | null }
  /** Select a line (a search match) and pause there. */
  | { type: 'select'; seq: number };

export interface ViewContext {
  lines: LineWindow;
  /** Body rows available for lines. */
  height: number;
  /** Terminal columns rows are measured against. */
  width: number;
  /** Columns each line's prefix takes (tag, timestamp, gutter). */
  prefixWidth: number;
}

export interface LayoutItem {
  line: LogLine;
  rows: number;
}

export interface Layout {
  items: LayoutItem[];
  /** Index (in the window) of the first item. */
  topIndex: number;
  /** Index of the selected line, -1 when following. */
  cursorIndex: number;
  /** Lines below the last one shown (new ones, while paused). */
  below: number;
}

/** The text a line shows after its prefix (and what search looks at). */
export function bodyText(line: LogLine, structured: boolean): string {
  const json = structured ? jsonOf(line) : null;
  if (json) return structuredText(structuredParts(json)!);
  return line.plain;
}

const ASCII = /^[\x20-\x7e]*$/;

/** Screen rows a line takes: 1 without wrapping; with wrapping, its width over the columns left. */
export function rowsFor(line: LogLine, state: Pick<LogViewState, 'wrap' | 'structured'>, ctx: Pick<ViewContext, 'width' | 'prefixWidth' | 'height'>): number {
  if (!state.wrap) return 1;
  const text = bodyText(line, state.structured);
  const w = text.length < 4096 && ASCII.test(text) ? text.length : displayWidth(text);
  const cols = Math.max(1, ctx.width - ctx.prefixWidth);
  return Math.max(1, Math.min(ctx.height, Math.ceil(w / cols)));
}

export function layoutLogView(state: LogViewState, ctx: ViewContext): Layout {
  const { lines, height } = ctx;
  const n = lines.count;
  const items: LayoutItem[] = [];
  if (n === 0 || height <= 0) return { items, topIndex: 0, cursorIndex: -1, below: 0 };
  if (state.follow) {
    let used = 0;
    let i = n - 1;
    for (; i >= 0; i--) {
      const line = lines.at(i);
      if (!line) break;
      const rows = rowsFor(line, state, ctx);
      if (used + rows > height && items.length > 0) break;
      items.unshift({ line, rows });
      used += rows;
    }
    return { items, topIndex: i + 1, cursorIndex: -1, below: 0 };
  }
  const topIndex = Math.min(lines.indexOfSeq(state.top), n - 1);
  let used = 0;
  let i = topIndex;
  for (; i < n; i++) {
    const line = lines.at(i);
    if (!line || line.seq > state.end) break;
    const rows = rowsFor(line, state, ctx);
    if (used + rows > height && items.length > 0) break;
    items.push({ line, rows });
    used += rows;
  }
  return { items, topIndex, cursorIndex: Math.min(lines.indexOfSeq(state.cursor), n - 1), below: n - i };
}

/** The seq of the line at `index`, clamped into the window. */
function seqAt(lines: LineWindow, index: number): number {
  const i = Math.max(0, Math.min(lines.count - 1, index));
  return lines.at(i)?.seq ?? -1;
}

/** Paused at the current picture: top stays, the cursor on the bottom line. */
function pauseHere(state: LogViewState, ctx: ViewContext): LogViewState {
  const lay = layoutLogView(state, ctx);
  const last = lay.items.at(-1)?.line.seq ?? -1;
  const first = lay.items[0]?.line.seq ?? -1;
  return { ...state, follow: false, top: first, cursor: last, end: last };
}

/** Scroll so the cursor is on screen: up to it, or down until it is the bottom line. */
function reveal(state: LogViewState, ctx: ViewContext): LogViewState {
  const { lines } = ctx;
  const cur = Math.min(lines.indexOfSeq(state.cursor), lines.count - 1);
  const top = Math.min(lines.indexOfSeq(state.top), lines.count - 1);
  if (cur < top) return { ...state, top: seqAt(lines, cur) };
  const lay = layoutLogView(state, ctx);
  const bottom = lay.topIndex + lay.items.length - 1;
  if (cur <= bottom) return state;
  // Walk up from the cursor while the lines still fit.
  let used = 0;
  let i = cur;
  for (; i >= 0; i--) {
    const line = lines.at(i);
    if (!line) break;
    const rows = rowsFor(line, state, ctx);
    if (used + rows > ctx.height && i < cur) break;
    used += rows;
  }
  return { ...state, top: seqAt(lines, i + 1) };
}

export function reduceLogView(state: LogViewState, e: LogViewEvent, ctx: ViewContext): LogViewState {
  const { lines } = ctx;
  switch (e.type) {
    case 'togglePause':
      return state.follow ? pauseHere(state, ctx) : { ...state, follow: true };
    case 'follow':
      return { ...state, follow: true };
    case 'move':
    case 'page': {
      if (lines.count === 0) return state;
      const base = { ...(state.follow ? pauseHere(state, ctx) : state), end: Number.POSITIVE_INFINITY };
      const lay = layoutLogView(base, ctx);
      const step = e.type === 'page' ? Math.max(1, lay.items.length - 1) * e.delta : e.delta;
      const cur = Math.min(lines.indexOfSeq(base.cursor), lines.count - 1);
      const next = { ...base, cursor: seqAt(lines, cur + step) };
      if (e.type === 'page') {
        // A page moves the picture too, not just the cursor.
        const top = Math.min(lines.indexOfSeq(base.top), lines.count - 1);
        const lastTop = layoutLogView({ ...base, follow: true }, ctx).topIndex;
        next.top = seqAt(lines, Math.min(lastTop, Math.max(0, top + step)));
      }
      return reveal(next, ctx);
    }
    case 'oldest': {
      if (lines.count === 0) return state;
      const first = seqAt(lines, 0);
      return { ...state, follow: false, top: first, cursor: first, end: Number.POSITIVE_INFINITY };
    }
    case 'toggle':
      return { ...state, [e.what]: !state[e.what] };
    case 'search':
      return { ...state, search: e.query === null || e.query === '' ? null : e.query };
    case 'select': {
      const base = { ...state, follow: false, cursor: e.seq, top: state.follow ? e.seq : state.top, end: Number.POSITIVE_INFINITY };
      // Put a match near the middle when it has to scroll into view.
      const lay = layoutLogView(base, ctx);
      const idx = lines.indexOfSeq(e.seq);
      if (idx >= lay.topIndex && idx < lay.topIndex + lay.items.length && !state.follow) return base;
      return { ...base, top: seqAt(lines, idx - Math.floor(ctx.height / 2)) };
    }
  }
}

/** The search regex, or the error that makes it unusable. */
export function searchRegex(query: string | null): { re: RegExp | null; error: string | null } {
  if (!query) return { re: null, error: null };
  try {
    return { re: smartRegex(query), error: null };
  } catch (err) {
    return { re: null, error: `bad regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` };
  }
}

/**
 * The next line matching `re` from `fromIndex` (exclusive) in `dir` (-1 older, +1 newer); its
 * seq, or null. Wraps around once, like less.
 */
export function findMatch(lines: LineWindow, fromIndex: number, dir: -1 | 1, re: RegExp, structured: boolean): number | null {
  const n = lines.count;
  if (n === 0) return null;
  for (let k = 1; k <= n; k++) {
    const i = (((fromIndex + dir * k) % n) + n) % n;
    const line = lines.at(i);
    if (line && line.stream !== 'system' && re.test(bodyText(line, structured))) return line.seq;
  }
  return null;
}

/** Count matches in the window (for "12 matches"). */
export function countMatches(lines: LineWindow, re: RegExp, structured: boolean): number {
  let c = 0;
  for (let i = 0; i < lines.count; i++) {
    const line = lines.at(i);
    if (line && line.stream !== 'system' && re.test(bodyText(line, structured))) c++;
  }
  return c;
}
