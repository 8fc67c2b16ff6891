/**
 * Pieces the three script generators share: quoting static text into a script, and the one rule
 * for words that came from files (profile names, ssh_config aliases, runbook ids).
 */

/**
 * A word from a file may be offered only when made of these characters: nothing a shell would
 * expand, split or interpret (no space, quote, $, backquote, glob or control character), and it
 * may not start with '-' (it would read as an option). The scripts apply the same rule again to
 * what `opsdeck completion --words` prints.
 */
export const SAFE_WORD_RE = /^[A-Za-z0-9._@:/][A-Za-z0-9._@:/-]{0,252}$/;
/** The same rule as an extended regular expression for bash, zsh and fish (`-` last in the class). */
export const SAFE_WORD_ERE = '^[A-Za-z0-9._@:/][A-Za-z0-9._@:/-]*$';

export function isSafeWord(word: string): boolean {
  return SAFE_WORD_RE.test(word);
}

/** POSIX single quotes (bash, zsh): a `'` becomes `'\''`. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** fish single quotes: only `\\` and `\'` are escapes inside them. */
export function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A shell function name from the program's name: `_opsdeck`. */
export function functionPrefix(program: string): string {
  return `_${program.replace(/[^A-Za-z0-9_]/g, '_')}`;
}
