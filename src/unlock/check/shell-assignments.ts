/**
 * The `NAME=value` lines of files that initramfs-tools sources as shell (dropbear.conf,
 * initramfs.conf, conf.d/*). Only plain assignments are understood: single quotes, double
 * quotes with backslash escapes, bare words, `export NAME=…`. Anything cleverer (expansions,
 * command substitution) is kept as written and flagged, never evaluated.
 */

export interface Assignment {
  name: string;
  value: string;
  /** 1-based line number. */
  line: number;
  /** The value used $, ` or a backslash outside quotes: we read it literally, the shell may not. */
  dynamic: boolean;
}

const ASSIGN = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Every assignment, in file order. The shell keeps the last one for each name. */
export function parseAssignments(text: string): Assignment[] {
  const out: Assignment[] = [];
  text.split('\n').forEach((raw, idx) => {
    const m = ASSIGN.exec(raw);
    if (!m) return;
    const { value, dynamic } = readValue(m[2]!);
    out.push({ name: m[1]!, value, line: idx + 1, dynamic });
  });
  return out;
}

/** The value the shell would keep for `name` (the last assignment), if any. */
export function lastAssignment(list: readonly Assignment[], name: string): Assignment | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.name === name) return list[i];
  return undefined;
}

function readValue(s: string): { value: string; dynamic: boolean } {
  let value = '';
  let dynamic = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) break;
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      value += s.slice(i + 1, end === -1 ? s.length : end);
      i = end === -1 ? s.length : end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) {
          value += s[i + 1];
          i += 2;
          continue;
        }
        if (s[i] === '$' || s[i] === '`') dynamic = true;
        value += s[i];
        i++;
      }
      i++;
      continue;
    }
    if (c === '$' || c === '`' || c === '\\') dynamic = true;
    value += c;
    i++;
  }
  return { value, dynamic };
}
