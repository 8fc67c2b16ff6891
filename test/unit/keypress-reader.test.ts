import { describe, expect, it } from 'vitest';
import { createKeypressReader } from '../../src/terminal/keypress-reader.js';

const names = (chunks: string[], flush = false) => {
  const r = createKeypressReader();
  const out = chunks.flatMap((c) => r.push(c).map((k) => k.name));
  return flush ? [...out, ...r.flush().map((k) => k.name)] : out;
};

describe('keypress reader', () => {
  it('splits one read into every key it holds, in order', () => {
    expect(names(['jjjjj'])).toEqual(['j', 'j', 'j', 'j', 'j']);
    expect(names(['/re\r'])).toEqual(['/', 'r', 'e', 'enter']);
    expect(names(['\u001b[B\u001b[6~q'])).toEqual(['down', 'pagedown', 'q']);
    expect(names(['\u001a\u0003\u007f\t '])).toEqual(['ctrl-z', 'ctrl-c', 'backspace', 'tab', 'space']);
  });

  it('never splits an escape sequence, also across reads', () => {
    expect(names(['\u001b', '[', 'A'])).toEqual(['up']);
    expect(names(['j\u001b[5', '~k'])).toEqual(['j', 'pageup', 'k']);
    expect(names(['\u001bOP\u001b[15~\u001b[24~'])).toEqual(['f1', 'f5', 'f12']);
    expect(names(['\u001b[1;5A\u001b[Z'])).toEqual(['ctrl-up', 'shift-tab']);
  });

  it('reads ESC + a key as alt, and a lone ESC only once nothing follows', () => {
    expect(names(['\u001bb'])).toEqual(['alt-b']);
    const r = createKeypressReader();
    expect(r.push('\u001b')).toEqual([]);
    expect(r.pending()).toBe(true);
    expect(r.flush().map((k) => k.name)).toEqual(['esc']);
    expect(names(['\u001b['], true)).toEqual(['esc', '[']);
  });

  it('keeps a bracketed paste as one piece of text, across reads', () => {
    const r = createKeypressReader();
    const text = 'q\rjj\u001bx'.padEnd(200, 'z');
    expect(r.push(`j\u001b[200~${text.slice(0, 90)}`).map((k) => k.name)).toEqual(['j']);
    expect(r.inPaste()).toBe(true);
    const keys = r.push(`${text.slice(90)}\u001b[201~k`);
    expect(keys.map((k) => k.name)).toEqual(['paste', 'k']);
    expect(keys[0]!.text).toBe(text);
    expect(keys[0]!.paste).toBe(true);
  });

  it('types the characters of other scripts whole', () => {
    expect(names(['é😀'])).toEqual(['é', '😀']);
    expect(names(['G'])).toEqual(['G']);
  });
});
