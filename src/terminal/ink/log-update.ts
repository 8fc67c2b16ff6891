import original from 'ink-original/log-update.js';
import { frameHookOf } from './frame-hook.js';

type Writer = ReturnType<typeof original.create>;
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
  const render = ((str: string) => {
    const hook = hookOf();
    const out = hook ? hook.overlay(str) : str;
    const active = cursorDirty ? cursor : undefined;
    cursorDirty = false;
    const wrote = inner(out);
    if (wrote) {
      cursorShown = active !== undefined;
      hook?.written(out, { cursorShown });
    }
    return wrote;
  }) as Writer;
  render.clear = () => {
    inner.clear();
    cursorShown = false;
    hookOf()?.written('', { cursorShown });
  };
  render.done = () => {
    inner.done();
    cursorShown = false;
    hookOf()?.written('', { cursorShown });
  };
  // Ink wrote the frame itself (a frame as tall as the terminal) and tells the writer after.
  render.sync = (str: string) => {
    const active = cursorDirty ? cursor : undefined;
    cursorDirty = false;
    inner.sync(str);
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

export default { create };
