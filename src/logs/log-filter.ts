/**
 * The filter language shared by the view's filter prompt and the CLI's --grep/--field flags.
 * Terms are separated by spaces (double quotes keep spaces in one term) and must all match:
 *
 *   timeout            regex on the line's text (smart case: lower-case means case-insensitive)
 *   !healthcheck       a term prefixed with ! must not match
 *   request_id=abc-1   a JSON field equals a value      (key!=value: differs, or is absent)
 *   request_id==~x     a JSON field equals exactly this text, even one that starts with ~ or =
 *   event=~^stripe     a JSON field matches a regex     (key!~re: does not match)
 *   level>=warn        severity at least (also level=error for exactly)
 *   ~a=b               a leading ~ forces a regex, for text that contains "=" itself
 *
 * Parsing never throws: a bad regex comes back as an error message for the prompt or UserError.
 * Regexes run with a bound (src/render/bounded-regex.ts): a pattern that could backtrack
 * without end over a 16 KB line is refused or run in linear time.
 */
import { boundedRegex, UnboundedRegexError } from '../text/bounded-regex.js';
import { fieldValue } from './json-fields.js';
import { LEVELS, levelRank, normaliseLevel, type Level } from './log-level.js';
import { jsonOf, type LogLine } from './log-line.js';
import { scanQuoted } from '../text/quoted-scan.js';

export type LinePredicate = (line: LogLine) => boolean;

export type FilterTerm =
  | { kind: 'text'; re: RegExp; negate: boolean; source: string }
  | { kind: 'field'; key: string; op: '=' | '!=' | '=~' | '!~'; value: string; re: RegExp | null; negate: boolean }
  | { kind: 'level'; op: '=' | '>='; level: Level; negate: boolean };

export interface ParsedFilter {
  terms: FilterTerm[];
  error: string | null;
}

const FIELD = /^([A-Za-z_@][\w.@-]*)(!=|==|=~|!~|>=|=)(.*)$/s;

/** Split on spaces outside double quotes; \" is a quote inside quotes. */
export function splitTerms(text: string): string[] {
  return scanQuoted(text, { separators: ' \t' }).tokens.filter((t) => t !== '' && t !== '!');
}

/** A regex with smart case: any upper-case letter makes it case-sensitive. */
export function smartRegex(source: string): RegExp {
  return boundedRegex(source, { ignoreCase: !/[A-Z]/.test(source.replace(/\\./g, '')) });
}

export function parseFilter(text: string): ParsedFilter {
  const terms: FilterTerm[] = [];
  for (const raw of splitTerms(text)) {
    let t = raw;
    let negate = false;
    if (t.startsWith('!')) {
      negate = true;
      t = t.slice(1);
    }
    try {
      if (t.startsWith('~')) {
        terms.push({ kind: 'text', re: smartRegex(t.slice(1)), negate, source: t.slice(1) });
        continue;
      }
      const m = FIELD.exec(t);
      if (m) {
        const [, key, written, value] = m as unknown as [string, string, string, string];
        // '==' is '=' whose value is never read as an operator or a regex.
        const op = written === '==' ? '=' : written;
        if (key === 'level') {
          const level = normaliseLevel(value);
          if (!level || op === '=~' || op === '!~') return { terms, error: `unknown level '${value}' (use ${LEVELS.join(', ')})` };
          if (op === '!=') terms.push({ kind: 'level', op: '=', level, negate: !negate });
          else terms.push({ kind: 'level', op: op === '>=' ? '>=' : '=', level, negate });
          continue;
        }
        if (op === '>=') return { terms, error: `'>=' works for level only (${key}>=…)` };
        terms.push({ kind: 'field', key, op: op as '=' | '!=' | '=~' | '!~', value, re: op === '=~' || op === '!~' ? smartRegex(value) : null, negate });
        continue;
      }
      terms.push({ kind: 'text', re: smartRegex(t), negate, source: t });
    } catch (err) {
      if (err instanceof UnboundedRegexError) return { terms, error: `refused regular expression ${err.message}` };
      return { terms, error: `bad regular expression '${t}': ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` };
    }
  }
  return { terms, error: null };
}

function termMatches(term: FilterTerm, line: LogLine): boolean {
  switch (term.kind) {
    case 'text':
      return term.re.test(line.plain);
    case 'level': {
      if (line.level === null) return false;
      return term.op === '=' ? line.level === term.level : levelRank(line.level) >= levelRank(term.level);
    }
    case 'field': {
      const v = fieldValue(jsonOf(line), term.key);
      switch (term.op) {
        case '=':
          return v === term.value;
        case '!=':
          return v !== term.value;
        case '=~':
          return v !== undefined && term.re!.test(v);
        case '!~':
          return v === undefined || !term.re!.test(v);
      }
    }
  }
}

export interface FilterSpec {
  /** Filter-language text (the prompt's, or --grep joined with --field terms). */
  text?: string;
  /** Only lines at this level or above (lines without a level are hidden). */
  minLevel?: Level | null;
}

/**
 * One predicate for a filter text and a minimum level; null when nothing filters. Opsdeck's own
 * notices always pass: "reconnected" must stay visible under any filter.
 */
export function compileFilter(spec: FilterSpec): { predicate: LinePredicate | null; error: string | null } {
  const parsed = parseFilter(spec.text ?? '');
  if (parsed.error) return { predicate: null, error: parsed.error };
  const terms = parsed.terms;
  const min = spec.minLevel ? levelRank(spec.minLevel) : -1;
  if (terms.length === 0 && min < 0) return { predicate: null, error: null };
  const predicate: LinePredicate = (line) => {
    if (line.stream === 'system') return true;
    if (min >= 0 && (line.level === null || levelRank(line.level) < min)) return false;
    for (const t of terms) if (termMatches(t, line) === t.negate) return false;
    return true;
  };
  return { predicate, error: null };
}

/**
 * A term that matches a JSON field holding exactly `value`, whatever the value holds: for values
 * taken from a server's log line (a value starting with ~ must not become a regex it chose).
 */
export function literalFieldTerm(key: string, value: string): string {
  return `${key}==${quoteTerm(value)}`;
}

/** Quote a value for the filter language when it holds spaces or quotes. */
export function quoteTerm(term: string): string {
  return /[\s"]/.test(term) ? `"${term.replace(/"/g, '\\"')}"` : term;
}
