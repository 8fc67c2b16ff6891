/**
 * Rewriting some lines of a frame already on the terminal, relative to where the cursor was
 * left after it (the line below the frame, column 0: where Ink's writer leaves it). Pure: the
 * frame's lines in, escape sequences out.
 */

const CSI = '\u001b[';
const SGR = /\u001b\[[0-9;:]*m/g;

/** A line's text without its SGR styling, trailing blanks dropped: what the cells say. */
export function plainLine(line: string): string {
  return line.replace(SGR, '').trimEnd();
}

/**
 * A frame line as Ink's frame composer writes a row holding only `text` (../frame-compose.ts):
 * anything styled is closed with a reset, and trailing blanks are dropped.
 */
export function asFrameLine(text: string): string {
  return (text.includes('\u001b') ? `${text}\u001b[0m` : text).trimEnd();
}

/**
 * Moves from `cursorLine` to each line, replaces it, and comes back to column 0 of `cursorLine`.
 * Each line is erased before it is written: erasing after a line that fills the terminal's
 * width would take its last character with it (the cursor waits on the last column).
 */
export function rewriteLines(cursorLine: number, changes: readonly { index: number; text: string }[]): string {
  let out = '';
  let at = cursorLine;
  for (const c of [...changes].sort((a, b) => a.index - b.index)) {
    out += move(c.index - at) + `\r${CSI}0m${CSI}K${c.text}${CSI}0m`;
    at = c.index;
  }
  return out === '' ? '' : `${out}${move(cursorLine - at)}\r`;
}

function move(lines: number): string {
  // CSI 0 A moves one line in most terminals: no move is no sequence.
  if (lines === 0) return '';
  return lines < 0 ? `${CSI}${-lines}A` : `${CSI}${lines}B`;
}
