/**
 * OpenSSH's host pattern lists (ssh_config `Host`, `Match host`, known_hosts host fields):
 * `*` matches any run of characters, `?` exactly one, a leading `!` negates, and a negated
 * match vetoes the whole list whatever else matched (match.c: match_pattern_list).
 * Host names compare case-insensitively.
 */

function wildcardToRegExp(pattern: string): RegExp {
  let re = '';
  for (const c of pattern) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

export function matchPattern(name: string, pattern: string): boolean {
  return wildcardToRegExp(pattern).test(name);
}

/**
 * True when `name` matches at least one positive pattern and no negated one.
 * A list of only negations never matches (as in OpenSSH).
 */
export function matchPatternList(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const raw of patterns) {
    const p = raw.trim();
    if (p === '') continue;
    if (p.startsWith('!')) {
      if (matchPattern(name, p.slice(1))) return false;
    } else if (matchPattern(name, p)) matched = true;
  }
  return matched;
}
