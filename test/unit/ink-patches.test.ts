/**
 * The modules that stand in for Ink's own in the bundle and the TUI tests
 * (scripts/ink-patches.mjs) must draw what Ink draws. Each is compared with the original it
 * replaces, on random and hand-picked input.
 */
import { describe, expect, it } from 'vitest';
import InkOutput from 'ink-original/output.js';
import inkSanitizeAnsi from 'ink-original/sanitize-ansi.js';
import realStringWidth from 'string-width-original';
import { styledCharsFromTokens, tokenize } from '@alcalzone/ansi-tokenize';
import Output from '../../src/terminal/ink/output.js';
import sanitizeAnsi from '../../src/terminal/ink/sanitize-ansi.js';
import stringWidth from '../../src/terminal/ink/string-width.js';
import measureText from '../../src/terminal/ink/measure-text.js';
import { composeFrame } from '../../src/render/frame-compose.js';
import { inkCellWidth } from '../../src/render/cell-width.js';
import { BoundedCache } from '../../src/render/bounded-cache.js';

/** What a terminal shows for a frame: per row, each cell's character and its active styles. */
function cells(frame: string): string[][] {
  return frame.split('\n').map((row) => {
    const out = styledCharsFromTokens(tokenize(row)).map((c) => `${c.value}\u0000${c.styles.map((s) => s.code).sort().join('')}`);
    // Unstyled blanks at the end of a row look like nothing at all.
    while (out.length && out.at(-1) === ' \u0000') out.pop();
    return out;
  });
}

/** A small deterministic generator, so a failure names its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['a', 'b', 'Z', ' ', '  ', '0.0%', '●', '▸', '█', '░', '…', 'é', '中', '⚠', '\u001b[31m', '\u001b[39m', '\u001b[1m', '\u001b[22m', '\u001b[2m', '\u001b[0m', '\u001b[7m', '\u001b[44m'];
const red = (line: string) => `\u001b[31m${line}\u001b[39m`;
const upper = (line: string) => line.toUpperCase();

type Op = { kind: 'write'; x: number; y: number; text: string; transformers: Array<(l: string, i: number) => string> } | { kind: 'clip' } | { kind: 'unclip' };

function randomFrame(r: () => number, height: number, opts: { overlaps: boolean; clips: boolean }): Op[] {
  const ops: Op[] = [];
  const n = 1 + Math.floor(r() * 12);
  const taken: Array<[number, number, number]> = [];
  for (let k = 0; k < n; k++) {
    if (opts.clips && r() < 0.1) ops.push({ kind: 'clip' });
    const lines = 1 + Math.floor(r() * 3);
    const text = Array.from({ length: lines }, () => Array.from({ length: Math.floor(r() * 10) }, () => PIECES[Math.floor(r() * PIECES.length)]).join('')).join('\n');
    const y = Math.floor(r() * (height + 1)) - (r() < 0.1 ? 2 : 0);
    let x = Math.floor(r() * 30);
    if (!opts.overlaps) {
      // Keep pieces apart: place each to the right of anything already on its rows.
      for (const [ty, tx, tw] of taken) if (ty >= y - 3 && ty <= y + lines) x = Math.max(x, tx + tw + 1);
      for (let i = 0; i < lines; i++) taken.push([y + i, x, 10]);
    }
    const transformers = r() < 0.3 ? [red] : r() < 0.1 ? [upper, red] : [];
    ops.push({ kind: 'write', x, y, text, transformers });
    if (opts.clips && r() < 0.1) ops.push({ kind: 'unclip' });
  }
  return ops;
}

function draw<T extends { write: InkOutput['write']; clip: InkOutput['clip']; unclip: InkOutput['unclip']; get: InkOutput['get'] }>(out: T, ops: Op[]) {
  for (const op of ops) {
    if (op.kind === 'write') out.write(op.x, op.y, op.text, { transformers: op.transformers });
    else if (op.kind === 'clip') out.clip({ x1: 2, x2: 30, y1: 0, y2: 6 });
    else out.unclip();
  }
  return out.get();
}

describe('Output (stands in for ink/build/output.js)', () => {
  it.each([
    ['side-by-side pieces (the fast path)', { overlaps: false, clips: false }],
    ['overlapping pieces (left to Ink)', { overlaps: true, clips: false }],
    ['clipped pieces (left to Ink)', { overlaps: true, clips: true }],
  ])('draws the same cells as Ink for 400 random frames: %s', (_name, opts) => {
    let fast = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const ops = randomFrame(rng(seed), 8, opts);
      const ours = draw(new Output({ width: 60, height: 8 }), ops);
      const ink = draw(new InkOutput({ width: 60, height: 8 }), ops);
      expect(ours.height, `seed ${seed}`).toBe(ink.height);
      expect(cells(ours.output), `seed ${seed}`).toEqual(cells(ink.output));
      if (composeFrame(60, 8, ops.map((o) => (o.kind === 'write' ? { type: 'write' as const, ...o } : { type: o.kind, clip: {} }) as never)) !== null) fast++;
    }
    // The comparison must exercise the fast path, not only Ink's own.
    if (!opts.overlaps) expect(fast).toBeGreaterThan(200);
  });

  it('takes the fast path for a frame of side-by-side rows, and not for an overlap', () => {
    const write = (x: number, y: number, text: string) => ({ type: 'write' as const, x, y, text, transformers: [] });
    expect(composeFrame(10, 3, [write(0, 0, 'ab'), write(3, 0, 'cd'), write(0, 2, '\u001b[31mx')])).toBe('ab cd\n\n\u001b[31mx\u001b[0m');
    expect(composeFrame(10, 1, [write(0, 0, 'abc'), write(2, 0, 'Z')])).toBeNull();
    // Past the frame's width: Ink packs such text against what is there; left to Ink.
    expect(composeFrame(10, 1, [write(8, 0, 'abc')])).toBeNull();
    // Not SGR (a cursor movement): Ink's own path decides what to do with it.
    expect(composeFrame(10, 1, [write(0, 0, 'a\u001b[2Jb')])).toBeNull();
  });

  it('leaves no style open at the end of a row', () => {
    const out = new Output({ width: 10, height: 2 });
    out.write(0, 0, '\u001b[1mbold', { transformers: [] });
    out.write(0, 1, 'plain', { transformers: [] });
    expect(cells(out.get().output)[1]).toEqual(['p', 'l', 'a', 'i', 'n'].map((c) => `${c}\u0000`));
  });
});

describe('cell widths', () => {
  const corpus = ['', 'abc', '\u001b[31mred\u001b[39m', '● healthy', '▸ running', '█▌░', '中文', 'é', 'e\u0301', '👍🏽', '🇩🇪', '⚠\ufe0f', 'a\u200bb', '\u00ad', 'ｆｕｌｌ', '\u001b[1;31mx\u001b[0m'];

  it('inkCellWidth counts cells the way Ink places characters', () => {
    for (const s of corpus) {
      const ink = styledCharsFromTokens(tokenize(s)).reduce((n, c) => n + Math.max(1, realStringWidth(c.value)), 0);
      expect(inkCellWidth(s), JSON.stringify(s)).toBe(ink);
    }
  });

  it('the string-width stand-in answers as string-width does', () => {
    for (const s of [...corpus, 'a\u001b]0;title\u0007b', 'tab\there', '\u0007bell']) {
      expect(stringWidth(s), JSON.stringify(s)).toBe(realStringWidth(s));
      expect(stringWidth(s, { countAnsiEscapeCodes: true }), JSON.stringify(s)).toBe(realStringWidth(s, { countAnsiEscapeCodes: true }));
      expect(stringWidth(s, { ambiguousIsNarrow: false }), JSON.stringify(s)).toBe(realStringWidth(s, { ambiguousIsNarrow: false }));
    }
  });

  it('measureText answers as Ink\'s and forgets old lines', () => {
    expect(measureText('')).toEqual({ width: 0, height: 0 });
    expect(measureText('ab\n中文字\n')).toEqual({ width: 6, height: 3 });
    expect(measureText('\u001b[31mred\u001b[39m')).toEqual({ width: 3, height: 1 });
  });
});

describe('sanitizeAnsi (stands in for ink/build/sanitize-ansi.js)', () => {
  it('returns what Ink\'s returns', () => {
    const corpus = ['plain', '\u001b[31mred\u001b[39m', 'a\u001b[2Jb', 'x\u001b]8;;http://example.com\u0007link\u001b]8;;\u0007', '\u009b31m', 'a\u001b[?25lb', '\u001b[38;5;196mx', '\u001b[1;2;3m', 'tail\u001b['];
    for (const s of corpus) expect(sanitizeAnsi(s), JSON.stringify(s)).toBe(inkSanitizeAnsi(s));
  });
});

describe('BoundedCache', () => {
  it('computes once per key and never holds more than two generations', () => {
    const cache = new BoundedCache<number>(3);
    let computed = 0;
    const f = (k: string) => (computed++, k.length);
    for (let i = 0; i < 100; i++) cache.get(`k${i}`, f);
    expect(cache.size).toBeLessThanOrEqual(6);
    expect(computed).toBe(100);
    cache.get('hot', f);
    for (let i = 0; i < 10; i++) cache.get('hot', f);
    expect(computed).toBe(101);
  });

  it('keeps a key that is read every generation', () => {
    const cache = new BoundedCache<number>(2);
    let computed = 0;
    const f = () => ++computed;
    for (let i = 0; i < 20; i++) {
      cache.get('row', f);
      cache.get(`other${i}`, f);
    }
    expect(computed).toBe(21);
  });
});
