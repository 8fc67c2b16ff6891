import { describe, expect, it } from 'vitest';
import xterm from '@xterm/headless';
import { asFrameLine, plainLine, rewriteLines } from '../../src/render/line-patch.js';

const write = (term: xterm.Terminal, data: string) => new Promise<void>((r) => term.write(data, r));
const lines = (term: xterm.Terminal) => Array.from({ length: term.rows }, (_, y) => term.buffer.active.getLine(y)?.translateToString(true) ?? '');

describe('rewriteLines', () => {
  it('replaces the given lines of a frame written above the cursor, and comes back below it', async () => {
    const term = new xterm.Terminal({ cols: 20, rows: 6, allowProposedApi: true, convertEol: true });
    // As Ink's writer leaves it: the frame, then the cursor on the line below at column 0.
    await write(term, 'header\nrow one long\nrow two\nfooter\n');
    await write(term, rewriteLines(4, [{ index: 2, text: 'ROW 2' }, { index: 1, text: '\u001b[31mR1\u001b[0m' }]));
    expect(lines(term).slice(0, 5)).toEqual(['header', 'R1', 'ROW 2', 'footer', '']);
    expect(term.buffer.active.cursorY).toBe(4);
    expect(term.buffer.active.cursorX).toBe(0);
  });

  it('keeps the last character of a line as wide as the terminal', async () => {
    const term = new xterm.Terminal({ cols: 10, rows: 4, allowProposedApi: true, convertEol: true });
    await write(term, 'aaaaaaaaaa\nb\n');
    await write(term, rewriteLines(2, [{ index: 0, text: '0123456789' }]));
    expect(lines(term).slice(0, 2)).toEqual(['0123456789', 'b']);
  });

  it('writes nothing when nothing changes', () => {
    expect(rewriteLines(3, [])).toBe('');
  });
});

describe('frame lines', () => {
  it('reads the text of a line without its styling or trailing blanks', () => {
    expect(plainLine('\u001b[1;31mdb\u001b[0m  up   ')).toBe('db  up');
  });

  it('closes a styled line with a reset and drops trailing blanks, as Ink’s frames do', () => {
    expect(asFrameLine('\u001b[7m api \u001b[0m')).toBe('\u001b[7m api \u001b[0m\u001b[0m');
    expect(asFrameLine('plain   ')).toBe('plain');
  });
});
