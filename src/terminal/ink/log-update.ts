import original from 'ink-original/log-update.js';
import { frameHookOf } from './frame-hook.js';
import { inkCellWidth } from '../../render/cell-width.js';

type Writer = ReturnType<typeof original.create>;

/** Erase the visible screen and go to its top-left corner (not ESC[3J: the scrollback stays). */
const CLEAR_SCREEN = '\u001b[2J\u001b[H';
/** How long after a narrowing a frame too wide for the terminal is held back, waiting for the screens to render for the new width. */
const NARROWING_HOLD_MS = 300;
type CursorPosition = Parameters<Writer['setCursorPosition']>[0];

/**
 * Stands in for ink/build/log-update.js (scripts/ink-patches.mjs): Ink's own writer does the
 * writing; this lets a frame hook (./frame-hook.ts) amend each frame before it is written and
 * know what is on the screen after, so the live grid's figures can be rewritten in place
 * without a React render (./grid-painter.ts). With no hook it changes nothing.
 */
function create(stream: NodeJS.WriteStream, opts?: { showCursor?: boolean; incremental?: boolean }): Writer {
  const inner = original.create(stream, opts);
  // Ink's incremental writer skips lines it believes unchanged: rows painted behind its back
  // would stay. Nothing is reported from it, so nothing is ever painted over its frames.
  const hookOf = () => (opts?.incremental ? undefined : frameHookOf(stream));
  // Mirrors the inner writer's rule: a cursor position counts for the next render only.
  let cursor: CursorPosition;
  let cursorDirty = false;
  let cursorShown = false;
  let drawnColumns = 0;
  /** The frame as it stands on the screen. */
  let onScreen = '';
  let holdUntil = 0;
  let held: string | null = null;
  let heldTimer: NodeJS.Timeout | undefined;
  // When the terminal narrows, it re-wraps what it shows, and a frame laid out for the old
  // width (drawn by Ink at once from the old React tree, or by a render that raced the resize)
  // wraps too: Ink then erases by its own line count and leaves halves of old rows on screen
  // (tried in tmux: 150 → 100 columns). So on a narrowing the visible screen is cleared (the
  // scrollback stays) and, for a moment, frames wider than the terminal are held back until the
  // screens have rendered for the new width; the last one is drawn if none comes. On any other
  // resize the frame is drawn again from the top of a cleared screen when it still fits, so
  // that the lines Ink erases next are the ones it counts.
  const resized = () => {
    if (drawnColumns === 0) return;
    const columns = stream.columns ?? 0;
    const narrower = columns < drawnColumns;
    const hook = hookOf();
    const frame = narrower || onScreen.split('\n').length - 1 > (stream.rows ?? 0) ? '' : hook ? hook.overlay(onScreen) : onScreen;
    stream.write(CLEAR_SCREEN + frame);
    inner.sync(frame);
    onScreen = frame;
    drawnColumns = columns;
    cursorShown = false;
    hook?.written(frame, { cursorShown });
    if (narrower) holdUntil = Date.now() + NARROWING_HOLD_MS;
  };
  stream.on('resize', resized);
  const release = () => {
    clearTimeout(heldTimer);
    heldTimer = undefined;
    holdUntil = 0;
    const frame = held;
    held = null;
    return frame;
  };
  const render = ((str: string): boolean => {
    if (holdUntil > Date.now() && !fits(str, stream.columns ?? 0)) {
      held = str;
      heldTimer ??= setTimeout(() => {
        const frame = release();
        if (frame !== null) render(frame);
      }, NARROWING_HOLD_MS);
      return false;
    }
    release();
    const hook = hookOf();
    const out = hook ? hook.overlay(str) : str;
    const active = cursorDirty ? cursor : undefined;
    cursorDirty = false;
    const wrote = inner(out);
    if (wrote) {
      onScreen = out;
      drawnColumns = stream.columns ?? 0;
      cursorShown = active !== undefined;
      hook?.written(out, { cursorShown });
    }
    return wrote;
  }) as Writer;
  render.clear = () => {
    inner.clear();
    onScreen = '';
    cursorShown = false;
    hookOf()?.written('', { cursorShown });
  };
  render.done = () => {
    inner.done();
    stream.off('resize', resized);
    release();
    drawnColumns = 0;
    cursorShown = false;
    hookOf()?.written('', { cursorShown });
  };
  // Ink wrote the frame itself (a frame as tall as the terminal) and tells the writer after.
  render.sync = (str: string) => {
    const active = cursorDirty ? cursor : undefined;
    cursorDirty = false;
    inner.sync(str);
    onScreen = str;
    drawnColumns = stream.columns ?? 0;
    cursorShown = active !== undefined;
    hookOf()?.written(str, { cursorShown });
  };
  render.setCursorPosition = (position: CursorPosition) => {
    cursor = position;
    cursorDirty = true;
    inner.setCursorPosition(position);
  };
  render.isCursorDirty = () => inner.isCursorDirty();
  render.willRender = (str: string) => inner.willRender(str);
  return render;
}

/** Every line of the frame fits `columns` (a line with escape sequences Ink cannot measure counts as fitting). */
function fits(frame: string, columns: number): boolean {
  for (const line of frame.split('\n')) if (inkCellWidth(line) > columns) return false;
  return true;
}

export default { create };
