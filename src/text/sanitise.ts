/**
 * The one sanitiser. Every string that comes from a server (container names, labels,
 * health-check output, environment, log lines, error messages) passes through here once,
 * where it enters a model, before it can reach the terminal.
 *
 * It is a small state machine rather than a regex so that truncated or malformed escape
 * sequences (a log line cut at 16 KB in the middle of an OSC, an ESC at the end of a chunk)
 * are swallowed instead of leaking half a sequence to the terminal.
 */

export interface SanitiseOptions {
  /** Keep validated SGR colour/style sequences (CSI … m). Everything else is always removed. */
  keepSgr?: boolean;
  /** Keep line breaks (\n). Otherwise they become a visible "⏎" so one field stays one line. */
  multiline?: boolean;
  /** Tab stop width used to expand \t into spaces (tabs confuse width math). */
  tabWidth?: number;
}

const ESC = 0x1b;
const BEL = 0x07;

// Bidi controls reorder what the operator reads ("Trojan Source"); zero-width joiners are fine.
const BIDI = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);

// Every character the loop below would drop or rewrite: C0/C1 controls (incl. ESC, tab, line
// breaks), DEL, bidi controls and surrogates. A string without any is returned as it is, which
// is what keeps log ingest fast (most lines are plain text).
const NEEDS_WORK = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

export function sanitise(input: string, opts: SanitiseOptions = {}): string {
  if (!NEEDS_WORK.test(input)) return input;
  const { keepSgr = false, multiline = false, tabWidth = 4 } = opts;
  let out = '';
  let col = 0;
  const n = input.length;
  let i = 0;
  while (i < n) {
    const c = input.charCodeAt(i);
    if (c === ESC || c === 0x9b || c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
      const end = skipEscape(input, i);
      if (keepSgr && c === ESC && input.charCodeAt(i + 1) === 0x5b) {
        const seq = input.slice(i, end);
        if (isSafeSgr(seq)) out += seq;
      }
      i = end;
      continue;
    }
    if (c === 0x0a) {
      if (multiline) {
        out += '\n';
        col = 0;
      } else {
        out += '⏎';
        col++;
      }
      i++;
      continue;
    }
    if (c === 0x09) {
      const spaces = tabWidth - (col % tabWidth);
      out += ' '.repeat(spaces);
      col += spaces;
      i++;
      continue;
    }
    // C0 controls (incl. CR, BS, BEL), DEL and C1 controls carry no text worth keeping.
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) || BIDI.has(c)) {
      i++;
      continue;
    }
    // Lone surrogates would be written as U+FFFD by the terminal anyway; make it explicit.
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = input.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += input[i]! + input[i + 1]!;
        i += 2;
        col++;
        continue;
      }
      out += '\ufffd';
      i++;
      col++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\ufffd';
      i++;
      col++;
      continue;
    }
    // Copy a run of ordinary characters at once rather than one by one.
    let j = i + 1;
    while (j < n && isOrdinary(input.charCodeAt(j))) j++;
    out += input.slice(i, j);
    col += j - i;
    i = j;
  }
  return out;
}

/** A character the loop copies unchanged (the complement of NEEDS_WORK). */
function isOrdinary(c: number): boolean {
  return c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c <= 0x9f) && !(c >= 0xd800 && c <= 0xdfff) && !BIDI.has(c);
}

/** Index just past the escape sequence starting at `start` (or the end of input if it never ends). */
function skipEscape(s: string, start: number): number {
  const n = s.length;
  const c = s.charCodeAt(start);
  let kind: 'csi' | 'string' | 'simple';
  let i: number;
  if (c === 0x9b) {
    kind = 'csi';
    i = start + 1;
  } else if (c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
    kind = 'string';
    i = start + 1;
  } else {
    const next = s.charCodeAt(start + 1);
    if (Number.isNaN(next)) return n;
    if (next === 0x5b) {
      kind = 'csi';
      i = start + 2;
    } else if (next === 0x5d || next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) {
      // OSC ], DCS P, SOS X, PM ^, APC _: strings terminated by BEL or ST.
      kind = 'string';
      i = start + 2;
    } else {
      kind = 'simple';
      i = start + 1;
    }
  }
  if (kind === 'simple') {
    // ESC followed by intermediates (0x20–0x2f) and one final byte (e.g. ESC ( B, ESC c, ESC 7).
    while (i < n) {
      const d = s.charCodeAt(i);
      if (d >= 0x20 && d <= 0x2f) {
        i++;
        continue;
      }
      return i + 1;
    }
    return n;
  }
  if (kind === 'csi') {
    while (i < n) {
      const d = s.charCodeAt(i);
      if (d >= 0x40 && d <= 0x7e) return i + 1;
      // Anything outside parameter/intermediate bytes means a broken sequence: stop here
      // and let the main loop deal with that character.
      if (d < 0x20 || d > 0x3f) return i;
      i++;
    }
    return n;
  }
  while (i < n) {
    const d = s.charCodeAt(i);
    if (d === BEL || d === 0x9c) return i + 1;
    if (d === ESC) return s.charCodeAt(i + 1) === 0x5c ? i + 2 : i + 1;
    i++;
  }
  return n;
}

/** Only colour and simple style attributes: no private modes, nothing that moves or blinks the screen. */
function isSafeSgr(seq: string): boolean {
  if (!seq.startsWith('\u001b[') || !seq.endsWith('m')) return false;
  const body = seq.slice(2, -1);
  if (body === '') return true;
  if (!/^[0-9;]{1,64}$/.test(body)) return false;
  const params = body.split(';').map((p) => (p === '' ? 0 : Number(p)));
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    if (p === 38 || p === 48 || p === 58) {
      const mode = params[k + 1];
      if (mode === 5 && inByte(params[k + 2])) {
        k += 2;
        continue;
      }
      if (mode === 2 && inByte(params[k + 2]) && inByte(params[k + 3]) && inByte(params[k + 4])) {
        k += 4;
        continue;
      }
      return false;
    }
    const ok =
      p <= 4 || p === 7 || p === 9 || (p >= 21 && p <= 24) || p === 27 || p === 29 ||
      (p >= 30 && p <= 37) || p === 39 || (p >= 40 && p <= 47) || p === 49 ||
      (p >= 90 && p <= 97) || (p >= 100 && p <= 107);
    if (!ok) return false;
  }
  return true;
}

function inByte(v: number | undefined): boolean {
  return v !== undefined && Number.isInteger(v) && v >= 0 && v <= 255;
}

/** Sanitise every string value of a flat record (labels, environment). */
export function sanitiseRecord(rec: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!rec) return out;
  for (const [k, v] of Object.entries(rec)) out[sanitise(k)] = sanitise(String(v));
  return out;
}
