// The real string-width, also in the bundle (scripts/ink-patches.mjs leaves this file's import be).
import stringWidth from 'string-width';
import { BoundedCache } from './bounded-cache.js';

/**
 * How many terminal cells a line of Ink output takes when Ink lays it out character by
 * character: every grapheme cluster takes max(1, its string-width) cells, and SGR sequences take
 * none. That is not plain string-width (a zero-width cluster still takes a cell there), so the
 * fast frame composer must count the same way to put things where Ink would.
 *
 * Returns NOT_SGR for a line holding any escape sequence other than SGR: the composer then
 * leaves the frame to Ink's own exact path.
 */
export function inkCellWidth(line: string): number {
  const width = scanWidth(line, 1);
  return width === COMPLEX ? clusterWidths.get(line, clusterWidth) : width;
}

/** scanWidth's answer for a line with an escape sequence other than SGR. */
export const NOT_SGR = -1;
/** scanWidth's answer for a line with characters that may join into clusters. */
export const COMPLEX = -2;

/**
 * One pass over a line whose every character is its own grapheme cluster: printable ASCII, SGR
 * codes (no width) and the symbols in isLoneCell; each character counts its string-width, but at
 * least `minCell` (Ink gives even a zero-width character a cell). Returns NOT_SGR or COMPLEX
 * when the line is anything else.
 */
export function scanWidth(line: string, minCell: 0 | 1): number {
  let width = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      width++;
    } else if (c === 0x1b) {
      const end = sgrEnd(line, i);
      if (end < 0) return NOT_SGR;
      i = end;
    } else if (isLoneCell(c)) {
      width += Math.max(minCell, charWidth(c));
    } else {
      return COMPLEX;
    }
  }
  return width;
}

/** Index of the final 'm' of an SGR sequence starting at `at`, or -1. */
function sgrEnd(line: string, at: number): number {
  if (line.charCodeAt(at + 1) !== 0x5b) return -1;
  let j = at + 2;
  for (; j < line.length; j++) {
    const d = line.charCodeAt(j);
    if (d === 0x6d) return j;
    if (!((d >= 0x30 && d <= 0x39) || d === 0x3b)) return -1;
  }
  return -1;
}

/**
 * Characters that can never join a neighbour into one grapheme cluster: Latin-1 and Latin
 * Extended letters, and the punctuation, arrows, box drawing, blocks, geometric shapes and
 * symbols the grid draws with. Anything else goes through the segmenter.
 */
function isLoneCell(c: number): boolean {
  return (
    (c >= 0xa0 && c <= 0x2ff) ||
    (c >= 0x2010 && c <= 0x2027) ||
    (c >= 0x2030 && c <= 0x205e) ||
    (c >= 0x2070 && c <= 0x2bff)
  );
}

const charWidths = new Map<number, number>();
function charWidth(c: number): number {
  let w = charWidths.get(c);
  if (w === undefined) {
    w = stringWidth(String.fromCharCode(c));
    charWidths.set(c, w);
  }
  return w;
}

// Made on first use: creating a segmenter loads ICU's break rules, a cost every start-up paid.
let segmenter: Intl.Segmenter | undefined;
const clusterWidths = new BoundedCache<number>(2000);

function clusterWidth(line: string): number {
  let visible = '';
  let from = 0;
  for (let i = line.indexOf('\u001b'); i >= 0; i = line.indexOf('\u001b', from)) {
    const end = sgrEnd(line, i);
    if (end < 0) return NOT_SGR;
    visible += line.slice(from, i);
    from = end + 1;
  }
  visible += line.slice(from);
  // Ink's tokenizer treats C0/C1 controls its own way (0x9b opens a sequence): leave those lines to it.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(visible)) return NOT_SGR;
  let width = 0;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment } of segmenter.segment(visible)) width += Math.max(1, stringWidth(segment));
  return width;
}
