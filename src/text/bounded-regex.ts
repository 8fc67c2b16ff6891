/**
 * Regexes typed by the operator, run with a bound: a log line is up to 16 KB, and a pattern like
 * `(a+)+$` would backtrack over it for longer than the universe has left, freezing the view.
 *
 * How: V8's backtracking engine stays (it is fast on ordinary patterns), with its fallback to
 * V8's linear-time engine switched on: a match that backtracks more than V8's threshold (50,000
 * steps) is run again by an automaton whose time grows with the text only. That engine cannot
 * run every pattern: backreferences, lookaround, long counted repeats and the `i` and
 * `u` flags are outside it. So a pattern is refused unless it compiles for the linear engine,
 * and case-insensitivity is written into the pattern (`a` → `[aA]`) instead of the `i` flag.
 */
import v8 from 'node:v8';

let fallbackOn = false;

/** Process-wide, once: it changes nothing for a match that does not backtrack excessively. */
function linearFallback(): void {
  if (fallbackOn) return;
  fallbackOn = true;
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
}

export class UnboundedRegexError extends Error {
  constructor(source: string) {
    super(`'${source}' could run without bound (backreferences, lookaround and long counted repeats are refused)`);
    this.name = 'UnboundedRegexError';
  }
}

/**
 * Compile `source` so that no text can make a match run long. Throws SyntaxError for an invalid
 * pattern and UnboundedRegexError for one outside the linear engine. The result has no flags
 * (callers may add `g`): case-insensitivity is in its source.
 */
export function boundedRegex(source: string, opts: { ignoreCase: boolean }): RegExp {
  linearFallback();
  const pattern = opts.ignoreCase ? caseless(source) : source;
  const re = new RegExp(pattern);
  try {
    new RegExp(pattern, 'l');
  } catch {
    throw new UnboundedRegexError(source);
  }
  return re;
}

/** Upper-case twins of letters, written into the pattern: `a` → `[aA]`, `[a-f]` → `[a-fA-F]`. */
export function caseless(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      // An escape is kept whole; \p{..} and \k<..> carry letters that are names, not text.
      let end = i + 2;
      const next = source[i + 1];
      if ((next === 'p' || next === 'P') && source[end] === '{') end = source.indexOf('}', end) + 1 || source.length;
      else if (next === 'k' && source[end] === '<') end = source.indexOf('>', end) + 1 || source.length;
      else if (next === 'u' && source[end] === '{') end = source.indexOf('}', end) + 1 || source.length;
      out += source.slice(i, end);
      i = end - 1;
      continue;
    }
    if (!inClass && c === '(' && source[i + 1] === '?' && source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
      // A named group's name is not text to match.
      const end = source.indexOf('>', i) + 1 || source.length;
      out += source.slice(i, end);
      i = end - 1;
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        out += c;
        continue;
      }
      // A range of lower-case letters gets its upper-case range beside it.
      if (source[i + 1] === '-' && source[i + 2] !== undefined && source[i + 2] !== ']' && source[i + 2] !== '\\') {
        const lo = c;
        const hi = source[i + 2]!;
        out += `${lo}-${hi}`;
        if (twin(lo) && twin(hi) && /[a-z]/.test(lo) === /[a-z]/.test(hi)) out += `${twin(lo)}-${twin(hi)}`;
        i += 2;
        continue;
      }
      out += c + (twin(c) ?? '');
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      continue;
    }
    const t = twin(c);
    out += t ? `[${c}${t}]` : c;
  }
  return out;
}

/** The other case of a single letter, when it is a single character too. */
function twin(c: string): string | null {
  const u = c.toUpperCase();
  if (u !== c && u.length === 1) return u;
  const l = c.toLowerCase();
  if (l !== c && l.length === 1) return l;
  return null;
}
