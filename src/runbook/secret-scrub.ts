/**
 * Scrubbing secrets out of text before it reaches a runbook transcript or a screen.
 *
 * Two layers. The values we know are secret (secret parameters, captures of them) are replaced
 * wherever they occur: we know them exactly, so nothing that contains one can slip through.
 * Then the patterns secret-mask.ts knows are applied to whatever a server printed, because a
 * step's output carries secrets nobody declared: `env` dumps, DSNs in error messages, tokens.
 * Both replace with the fixed MASK, which never reveals a length.
 */
import { isSecretKey, MASK, maskValue } from '../docker/secret-mask.js';
import { sanitise } from '../text/sanitise.js';

/**
 * A word longer than this is not handed to maskValue whole: its URL pattern rescans a run of
 * scheme characters from every position, so one 160 KB hex or dotted word (a minified bundle, a
 * dump) would take seconds. Such a word is split at punctuation instead (maskLongWordPiece).
 */
const WORD_LIMIT = 1024;

// The shortest self-announcing token maskValue knows (xoxb- and ten characters) is 15 long.
const SHORTEST_TOKEN = 15;
// Cheap supersets of what maskValue looks for: the starts of the token formats it knows
// (without its word boundaries) and the names in its password=… pattern. A word with none of
// them, and without a URL with an @, is not given to maskValue, which is what keeps a megabyte
// of output fast. They must grow with secret-mask.ts.
const TOKEN_HINT = /gh[pousr]_|github_pat_|glpat-|xox[abprs]-|[sr]k_(?:live|test)_|sk-|AKIA|eyJ/;
const INLINE_HINT = /pass|pwd|secret|token|key|sig/i;

// isSecretKey splits the key into words each time; output repeats the same few keys.
const secretKeyCache = new Map<string, boolean>();
function secretKey(key: string): boolean {
  let known = secretKeyCache.get(key);
  if (known === undefined) {
    known = isSecretKey(key);
    // Bounded: output full of distinct keys must not grow the cache without end.
    if (secretKeyCache.size >= 4096) secretKeyCache.clear();
    secretKeyCache.set(key, known);
  }
  return known;
}

// PEM blocks span lines and words, so the per-word pass cannot see them whole. No END (the
// output was cut, or the END arrives in a later chunk) masks to the end of the text.
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

// KEY=VALUE as shells, env dumps, .env files and command lines (--db-password=…) print it. The
// key must start a word, so the scan is linear; the value is a quoted string, an unclosed quote
// to the end of the word, or a bare word up to shell punctuation or a quote (docker inspect
// prints "PGPASSWORD=x" inside JSON quotes).
const ASSIGNMENT = /(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|["']\S*|[^\s"'`;&|]+)/g;

// "password": "…" in JSON a step prints (API responses, docker inspect).
const JSON_MEMBER = /"([A-Za-z_][A-Za-z0-9_.-]*)"(\s*:\s*)"((?:[^"\\\n]|\\.)*)"/g;

// `Key: value` at the start of a line: YAML, and HTTP headers as curl -v prints them
// (`> Authorization: Bearer …`). Only at a line's start, so "error: bad token: expired" keeps
// its message.
const LINE_FIELD = /^([ \t]*(?:[<>][ \t]*)?)([A-Za-z][A-Za-z0-9_.-]*)(:[ \t]+)(\S[^\n]*)$/gm;

const WORD = /\S+/g;
// A long word is split at characters that cannot be inside a URL's credentials or a token.
const LONG_WORD_PIECE = /[^"'`,;(){}[\]<>|\\]+/g;

/**
 * A function that masks `secrets` wherever they occur, then the known secret patterns.
 *
 * Every non-empty secret is replaced, however short: a three-character password is still a
 * password. The price is over-masking: a secret `abc` also masks the `abc` in `abcdef`, and a
 * one-letter secret masks that letter everywhere. Where occurrences of secrets overlap (one
 * contains another, or two share an edge), the union is masked as one piece, so no fragment
 * of either is left beside a mask.
 *
 * Text is scrubbed as given: a secret split across two calls (two output chunks) is not seen.
 */
export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (s === '') continue;
    needles.add(s);
    // Text is sanitised before it is scrubbed, so a secret with a tab or a control character
    // must also be looked for the way the sanitiser leaves it.
    const clean = sanitise(s, { multiline: true });
    if (clean !== '') needles.add(clean);
  }
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text: string) => maskPatterns(ordered.length === 0 ? text : maskExact(text, ordered));
}

/** Every occurrence of every needle, overlaps merged, each merged span replaced by one MASK. */
function maskExact(text: string, needles: readonly string[]): string {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const needle of needles) {
    // From the next character, not past the match: "aaa" in "aaaa" occurs twice, overlapping.
    for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      starts.push(i);
      ends.push(i + needle.length);
    }
  }
  if (starts.length === 0) return text;
  const order = starts.map((_, k) => k).sort((a, b) => starts[a]! - starts[b]!);
  let out = '';
  let copied = 0;
  let spanStart = -1;
  let spanEnd = -1;
  for (const k of order) {
    const s = starts[k]!;
    const e = ends[k]!;
    if (s <= spanEnd) {
      // Touching spans merge too: two masks side by side would say there were two secrets.
      if (e > spanEnd) spanEnd = e;
      continue;
    }
    if (spanStart >= 0) {
      out += text.slice(copied, spanStart) + MASK;
      copied = spanEnd;
    }
    spanStart = s;
    spanEnd = e;
  }
  out += text.slice(copied, spanStart) + MASK + text.slice(spanEnd);
  return out;
}

function maskPatterns(text: string): string {
  let out = text;
  if (out.includes('PRIVATE KEY-----')) out = out.replace(PEM_PRIVATE_KEY, MASK);
  if (out.includes('=')) out = out.replace(ASSIGNMENT, maskAssignment);
  if (out.includes('":')) out = out.replace(JSON_MEMBER, maskJsonMember);
  if (out.includes(':')) out = out.replace(LINE_FIELD, maskLineField);
  return mayHoldSecret(out) ? out.replace(WORD, maskWord) : out;
}

function maskAssignment(whole: string, key: string, value: string): string {
  // An empty value stays visible, as on the detail screen: an empty secret is often the fault.
  if (value === MASK || value === '""' || value === "''" || !secretKey(key)) return whole;
  return `${key}=${MASK}`;
}

function maskJsonMember(whole: string, key: string, colon: string, value: string): string {
  if (value === '' || value === MASK || !secretKey(key)) return whole;
  return `"${key}"${colon}"${MASK}"`;
}

function maskLineField(whole: string, lead: string, key: string, colon: string, value: string): string {
  if (value === MASK || !secretKey(key)) return whole;
  return `${lead}${key}${colon}${MASK}`;
}

function mayHoldSecret(word: string): boolean {
  if (word.includes('@') && word.includes('://')) return true;
  if (word.includes('=') && INLINE_HINT.test(word)) return true;
  return word.length >= SHORTEST_TOKEN && TOKEN_HINT.test(word);
}

function maskWord(word: string): string {
  if (!mayHoldSecret(word)) return word;
  if (word.length <= WORD_LIMIT) return maskValue(word).value;
  return word.replace(LONG_WORD_PIECE, maskLongWordPiece);
}

function maskLongWordPiece(piece: string): string {
  if (piece.length <= WORD_LIMIT) return maskWord(piece);
  // Still too long for maskValue: mask generously rather than risk a leak or a stall.
  return mayHoldSecret(piece) ? MASK : piece;
}
