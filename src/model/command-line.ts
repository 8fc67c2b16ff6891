/**
 * k9s-style command mode: `:logs api worker`, `:help`, `:q`. Parsing and tab completion are
 * pure so the screen only draws the line.
 */
export interface CommandDef {
  name: string;
  aliases?: readonly string[];
  /** One line for the help screen. */
  description: string;
  /** Arguments complete from the service names. */
  takesServices?: boolean;
}

export type ParsedCommand = { ok: true; name: string; args: string[] } | { ok: false; error: string };

export function parseCommandLine(line: string, defs: readonly CommandDef[]): ParsedCommand {
  const words = line.trim().replace(/^:/, '').split(/\s+/).filter(Boolean);
  const word = words[0];
  if (!word) return { ok: false, error: 'empty command' };
  const def = defs.find((d) => d.name === word || d.aliases?.includes(word));
  if (!def) return { ok: false, error: `unknown command :${word} (try :help)` };
  return { ok: true, name: def.name, args: words.slice(1) };
}

/** Complete the last word: a command name first, then service names. Returns the new line, or undefined. */
export function completeCommandLine(line: string, defs: readonly CommandDef[], services: readonly string[]): string | undefined {
  const words = line.split(/\s+/);
  const last = words.at(-1) ?? '';
  const pool = words.length <= 1
    ? defs.flatMap((d) => [d.name, ...(d.aliases ?? [])])
    : defs.find((d) => d.name === words[0] || d.aliases?.includes(words[0]!))?.takesServices
      ? services
      : [];
  const matches = [...new Set(pool.filter((c) => c.startsWith(last)))].sort();
  if (matches.length === 0) return undefined;
  const completed = matches.length === 1 ? matches[0]! + ' ' : commonPrefix(matches);
  if (completed === last) return undefined;
  return [...words.slice(0, -1), completed].join(' ');
}

/** What Tab would offer, for the dimmed suggestion after the cursor. */
export function commandSuggestions(line: string, defs: readonly CommandDef[], services: readonly string[]): string[] {
  const words = line.split(/\s+/);
  const last = words.at(-1) ?? '';
  const pool = words.length <= 1 ? defs.map((d) => d.name) : defs.find((d) => d.name === words[0])?.takesServices ? services : [];
  return pool.filter((c) => c.startsWith(last) && c !== last).sort().slice(0, 6);
}

function commonPrefix(xs: readonly string[]): string {
  let p = xs[0] ?? '';
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}
