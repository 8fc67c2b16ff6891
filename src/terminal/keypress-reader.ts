/**
 * Splits what the terminal sends into keypresses. One read may hold many keys (a held key over
 * SSH, keys typed faster than a frame), and one key may come in two reads (an escape sequence cut
 * by the network), so the reader keeps what it cannot decide yet: an escape sequence still
 * arriving, or a bracketed paste whose end marker has not come.
 */
export interface Keypress {
  /** How binding tables spell the key: 'j', 'G', 'up', 'enter', 'esc', 'ctrl-z', 'alt-b', 'f5', 'paste'. */
  name: string;
  /** Text the key types into a field ('' for keys that type nothing); a paste's whole text. */
  text: string;
  ctrl: boolean;
  meta: boolean;
  shift: boolean;
  paste: boolean;
  /** The bytes as they came. */
  sequence: string;
}

const ESC = '\u001b';
const PASTE_START = `${ESC}[200~`;
const PASTE_END = `${ESC}[201~`;

const CSI_LETTER: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', E: 'clear', Z: 'tab', P: 'f1', Q: 'f2', R: 'f3', S: 'f4' };
const CSI_TILDE: Record<string, string> = {
  '1': 'home', '2': 'insert', '3': 'delete', '4': 'end', '5': 'pageup', '6': 'pagedown', '7': 'home', '8': 'end',
  '11': 'f1', '12': 'f2', '13': 'f3', '14': 'f4', '15': 'f5', '17': 'f6', '18': 'f7', '19': 'f8', '20': 'f9', '21': 'f10', '23': 'f11', '24': 'f12',
};

function key(name: string, sequence: string, extra: Partial<Keypress> = {}): Keypress {
  return { name, text: '', ctrl: false, meta: false, shift: false, paste: false, sequence, ...extra };
}

/** One character that is not part of an escape sequence. */
function plainKey(ch: string): Keypress {
  if (ch === '\r' || ch === '\n') return key('enter', ch);
  if (ch === '\t') return key('tab', ch);
  if (ch === '\u007f' || ch === '\b') return key('backspace', ch);
  if (ch === ' ') return key('space', ch, { text: ' ' });
  const code = ch.codePointAt(0)!;
  if (code === 0) return key('ctrl-space', ch, { ctrl: true });
  if (code < 27) return key(`ctrl-${String.fromCharCode(code + 96)}`, ch, { ctrl: true });
  if (code < 32) return key(`ctrl-${String.fromCharCode(code + 64)}`, ch, { ctrl: true });
  return key(ch, ch, { text: ch, shift: ch !== ch.toLowerCase() });
}

/** Modifiers of a CSI sequence's second parameter (xterm: 1 + shift 1 + alt 2 + ctrl 4). */
function withModifiers(k: Keypress, param: string | undefined): Keypress {
  const m = Number(param ?? '1') - 1;
  if (!(m > 0)) return k;
  const shift = (m & 1) !== 0;
  const meta = (m & 2) !== 0;
  const ctrl = (m & 4) !== 0;
  const prefix = `${ctrl ? 'ctrl-' : ''}${meta ? 'alt-' : ''}${shift ? 'shift-' : ''}`;
  return { ...k, name: prefix + k.name, shift, meta, ctrl };
}

type Parsed = { keys: Keypress[]; rest: string };

/** Parse one escape sequence at the start of `s`; undefined when it may still be arriving. */
function escapeSequence(s: string): { key: Keypress | 'paste'; length: number } | undefined {
  if (s.length < 2) return undefined;
  const second = s[1]!;
  if (second === '[') {
    // CSI: parameter and intermediate bytes, then a final byte (ESC [ [ A is the Linux console's F1).
    let i = 2;
    if (s[i] === '[') i++;
    while (i < s.length && /[\x20-\x3f]/.test(s[i]!)) i++;
    if (i >= s.length) return undefined;
    const seq = s.slice(0, i + 1);
    const final = s[i]!;
    const params = s.slice(s[2] === '[' ? 3 : 2, i).split(';');
    if (!/[\x40-\x7e]/.test(final)) return { key: key('unknown', seq), length: i + 1 };
    if (seq === PASTE_START) return { key: 'paste', length: seq.length };
    if (final === '~') {
      const name = CSI_TILDE[params[0] ?? ''];
      return { key: withModifiers(key(name ?? 'unknown', seq), params[1]), length: seq.length };
    }
    if (final === 'Z') return { key: key('shift-tab', seq, { shift: true }), length: seq.length };
    const name = CSI_LETTER[final];
    return { key: withModifiers(key(name ?? 'unknown', seq), params[1]), length: seq.length };
  }
  if (second === 'O') {
    if (s.length < 3) return undefined;
    const seq = s.slice(0, 3);
    return { key: key(CSI_LETTER[s[2]!] ?? 'unknown', seq), length: 3 };
  }
  if (second === ESC) {
    // ESC ESC [ A: alt + arrow in some terminals; a lone ESC ESC is two escapes.
    const inner = escapeSequence(s.slice(1));
    if (inner === undefined && s.length < 4) return undefined;
    if (inner && inner.key !== 'paste' && s[2] !== ESC) {
      const k = inner.key;
      return { key: { ...k, name: `alt-${k.name}`, meta: true, sequence: ESC + k.sequence }, length: inner.length + 1 };
    }
    return { key: key('esc', ESC), length: 1 };
  }
  // ESC + a character: alt (meta) and that key.
  const cp = s.codePointAt(1)!;
  const ch = String.fromCodePoint(cp);
  const k = plainKey(ch);
  return { key: { ...k, name: `alt-${k.name}`, text: '', meta: true, sequence: ESC + ch }, length: 1 + ch.length };
}

function parse(input: string): Parsed {
  const keys: Keypress[] = [];
  let i = 0;
  while (i < input.length) {
    if (input[i] === ESC) {
      const rest = input.slice(i);
      const seq = escapeSequence(rest);
      if (seq === undefined) return { keys, rest };
      if (seq.key === 'paste') {
        const end = rest.indexOf(PASTE_END, seq.length);
        if (end === -1) return { keys, rest };
        const text = rest.slice(seq.length, end);
        keys.push(key('paste', rest.slice(0, end + PASTE_END.length), { text, paste: true }));
        i += end + PASTE_END.length;
        continue;
      }
      keys.push(seq.key);
      i += seq.length;
      continue;
    }
    const cp = input.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    keys.push(plainKey(ch));
    i += ch.length;
  }
  return { keys, rest: '' };
}

export interface KeypressReader {
  /** The keys completed by this read, in order. */
  push(chunk: string): Keypress[];
  /** True while an escape sequence or a paste is incomplete. */
  pending(): boolean;
  /** True while a bracketed paste has begun but not ended (no timeout applies then). */
  inPaste(): boolean;
  /** Nothing more came: a lone ESC is the Escape key, an unfinished sequence is read as it stands. */
  flush(): Keypress[];
}

export function createKeypressReader(): KeypressReader {
  let rest = '';
  return {
    push(chunk) {
      const p = parse(rest + chunk);
      rest = p.rest;
      return p.keys;
    },
    pending: () => rest !== '',
    inPaste: () => rest.startsWith(PASTE_START),
    flush() {
      if (!rest) return [];
      const s = rest;
      rest = '';
      if (s.startsWith(PASTE_START)) return [key('paste', s, { text: s.slice(PASTE_START.length), paste: true })];
      // The ESC stands alone; what followed it is read again as ordinary keys.
      const after = parse(s.slice(1));
      return [key('esc', ESC), ...after.keys, ...(after.rest ? [key('esc', ESC), ...parse(after.rest.slice(1)).keys] : [])];
    },
  };
}

/** Turn bracketed paste on while the TUI runs, and off again. */
export const BRACKETED_PASTE_ON = `${ESC}[?2004h`;
export const BRACKETED_PASTE_OFF = `${ESC}[?2004l`;
