import { describe, it, expect } from 'vitest';
import { sanitise, sanitiseRecord } from '../../src/text/sanitise.js';

const ESC = '\u001b';

describe('sanitise', () => {
  it('leaves ordinary text alone, including wide characters and emoji', () => {
    expect(sanitise('shop-api-1 日本語 ✅ café')).toBe('shop-api-1 日本語 ✅ café');
  });

  it('removes OSC sequences: window title, OSC 52 clipboard writes, hyperlinks', () => {
    expect(sanitise(`a${ESC}]0;pwned title\u0007b`)).toBe('ab');
    expect(sanitise(`a${ESC}]52;c;cm0gLXJmIH4=\u0007b`)).toBe('ab');
    expect(sanitise(`${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`)).toBe('click');
  });

  it('removes cursor movement, screen clearing and private modes', () => {
    expect(sanitise(`x${ESC}[2J${ESC}[H${ESC}[10;20Hy${ESC}[?1049h${ESC}[?25lz`)).toBe('xyz');
    expect(sanitise(`${ESC}c${ESC}7${ESC}8${ESC}(Bok`)).toBe('ok');
  });

  it('removes 8-bit C1 introducers and every other control character', () => {
    expect(sanitise('a\u009b2Jb\u009d0;t\u0007c')).toBe('abc');
    expect(sanitise('a\u0000b\u0008c\u0007d\rE\u007f\u0085')).toBe('abcdE');
  });

  it('removes bidi overrides that could reorder what the operator reads', () => {
    expect(sanitise('admin\u202Etxt.exe')).toBe('admintxt.exe');
  });

  it('swallows a truncated escape sequence at the end of the input', () => {
    expect(sanitise(`line${ESC}]52;c;AAAA`)).toBe('line');
    expect(sanitise(`line${ESC}[31`)).toBe('line');
    expect(sanitise(`line${ESC}`)).toBe('line');
  });

  it('drops SGR by default and keeps only validated SGR when asked', () => {
    const red = `${ESC}[31mred${ESC}[0m`;
    expect(sanitise(red)).toBe('red');
    expect(sanitise(red, { keepSgr: true })).toBe(red);
    expect(sanitise(`${ESC}[38;2;255;0;0mx`, { keepSgr: true })).toBe(`${ESC}[38;2;255;0;0mx`);
    // Out-of-range truecolour, blink and private parameters are not colours.
    expect(sanitise(`${ESC}[38;2;999;0;0mx`, { keepSgr: true })).toBe('x');
    expect(sanitise(`${ESC}[5mx`, { keepSgr: true })).toBe('x');
    expect(sanitise(`${ESC}[?31mx`, { keepSgr: true })).toBe('x');
  });

  it('keeps one field on one line unless multiline is asked for, and expands tabs', () => {
    expect(sanitise('a\nb')).toBe('a⏎b');
    expect(sanitise('a\nb', { multiline: true })).toBe('a\nb');
    expect(sanitise('a\tb', { tabWidth: 4 })).toBe('a   b');
  });

  it('replaces lone surrogates instead of passing broken UTF-16 on', () => {
    expect(sanitise('a\ud800b')).toBe('a\ufffdb');
    expect(sanitise('😀')).toBe('😀');
  });

  it('sanitises keys and values of a record', () => {
    expect(sanitiseRecord({ [`na${ESC}[2Jme`]: `v${ESC}]0;x\u0007al` })).toEqual({ name: 'val' });
  });

  it('cleans a 200 KB hostile line completely', () => {
    const line = `${ESC}[31m`.repeat(20_000) + 'x'.repeat(100_000) + `${ESC}]52;c;` + 'A'.repeat(20_000);
    expect(sanitise(line)).toBe('x'.repeat(100_000));
  });
});
