/**
 * The one scanner for words that double quotes may hold together: the log filter's terms and
 * authorized_keys options. Inside quotes, `\"` is a quote and everything else is literal.
 */
export interface QuotedScan {
  tokens: string[];
  /** Index of the first character not scanned (the stop character, or the end). */
  end: number;
  /** The text ended inside quotes. */
  unterminated: boolean;
}

export interface QuotedScanRules {
  /** Characters that end a token outside quotes. */
  separators: string;
  /** Characters that end the scan outside quotes. */
  stopAt?: string;
  /** Whether a quote opens here, given the token so far (authorized_keys quotes only values). */
  quoteOpens?: (tokenSoFar: string) => boolean;
}

export function scanQuoted(text: string, rules: QuotedScanRules): QuotedScan {
  const tokens: string[] = [];
  let cur = '';
  let quoted = false;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '\\' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
      continue;
    }
    if (rules.stopAt?.includes(c)) break;
    if (rules.separators.includes(c)) {
      tokens.push(cur);
      cur = '';
    } else if (c === '"' && (rules.quoteOpens?.(cur) ?? true)) quoted = true;
    else cur += c;
  }
  tokens.push(cur);
  return { tokens, end: i, unterminated: quoted };
}
