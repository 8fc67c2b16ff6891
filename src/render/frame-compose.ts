import { inkCellWidth } from './cell-width.js';

/** One of Ink's output operations, as its render tree hands them to its Output. */
export type OutputOperation =
  | { type: 'write'; x: number; y: number; text: string; transformers: ReadonlyArray<(line: string, index: number) => string> }
  | { type: 'clip'; clip: unknown }
  | { type: 'unclip' };

interface Span {
  x: number;
  width: number;
  text: string;
}

const RESET = '\u001b[0m';

/**
 * Ink's own Output turns every line of every frame into one object per character, measures each
 * character's width, and joins them back: ~40 ms for a 160x50 grid, the bulk of the live grid's
 * CPU. But a frame in which no two pieces of text share a cell (the grid, the log view, every
 * screen without an overlay) needs none of that: each row is its pieces laid side by side.
 *
 * Returns the frame as Ink would print it (the same cells, colours and attributes; not always
 * the same bytes), or null when the frame has clipping, overlapping writes, text reaching past
 * the frame's width (Ink packs such text oddly) or escape sequences other than SGR, for Ink's
 * exact path to draw.
 */
export function composeFrame(width: number, height: number, operations: readonly OutputOperation[]): string | null {
  const rows: Span[][] = Array.from({ length: height }, () => []);
  for (const op of operations) {
    if (op.type !== 'write') return null;
    if (!op.text) continue;
    if (!Number.isInteger(op.x) || !Number.isInteger(op.y) || op.x < 0) return null;
    // Ink drops lines below the frame, and a write that starts above it entirely (it waits for
    // a row that exists before moving down, and none comes).
    if (op.y < 0) continue;
    const lines = op.text.split('\n');
    for (let index = 0; index < lines.length; index++) {
      const y = op.y + index;
      if (y >= height) break;
      let line = lines[index]!;
      for (const transform of op.transformers) line = transform(line, index);
      const cells = inkCellWidth(line);
      if (cells < 0) return null;
      // A line of nothing but escape codes places no character.
      if (cells === 0) continue;
      if (op.x + cells > width) return null;
      rows[y]!.push({ x: op.x, width: cells, text: line });
    }
  }
  const out: string[] = [];
  for (const spans of rows) {
    if (spans.length > 1) spans.sort((a, b) => a.x - b.x);
    let row = '';
    let column = 0;
    for (const span of spans) {
      if (span.x < column) return null;
      row += ' '.repeat(span.x - column);
      // Ink closes whatever a piece leaves open at the end of its row; a reset does the same.
      row += span.text.includes('\u001b') ? span.text + RESET : span.text;
      column = span.x + span.width;
    }
    out.push(row.trimEnd());
  }
  return out.join('\n');
}
