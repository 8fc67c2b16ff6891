import { boundedRegex, UnboundedRegexError } from '../text/bounded-regex.js';
import type { ProjectGroup, ServiceRow } from './grouping.js';

/** The grid as the screen lists it: project headings, then their services. */
export type GridLine =
  | { kind: 'project'; key: string; name: string; degraded: boolean }
  | { kind: 'service'; key: string; row: ServiceRow };

export interface GridFilter {
  /** What the operator typed after `/`; a leading `!` inverts. */
  text: string;
  /** ctrl-z: only services that are degraded. */
  faultedOnly: boolean;
}

export interface CompiledFilter {
  test: (row: ServiceRow) => boolean;
  /** Set when the text is not a valid regex (it is then matched literally). */
  error: string | undefined;
}

/** k9s-style: a regex over service, project, image and container names; `!` inverts; invalid regex falls back to plain text. */
export function compileFilter(f: GridFilter): CompiledFilter {
  const invert = f.text.startsWith('!');
  const body = invert ? f.text.slice(1) : f.text;
  let re: RegExp | null = null;
  let error: string | undefined;
  if (body !== '') {
    try {
      // Bounded: names and labels come from the server, and a label can be 10,000 characters.
      re = boundedRegex(body, { ignoreCase: true });
    } catch (e) {
      error = e instanceof UnboundedRegexError ? `${e.message}; matching as text` : `not a regex, matching as text: ${(e as Error).message}`;
      re = boundedRegex(body.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), { ignoreCase: true });
    }
  }
  const matchText = (row: ServiceRow) =>
    re === null || [row.service, row.project ?? '', row.image.raw, ...row.replicas.map((r) => r.container.name)].some((s) => re!.test(s));
  return {
    error,
    test: (row) => (!f.faultedOnly || row.degraded) && (re === null || matchText(row) !== invert),
  };
}

export function gridLines(groups: readonly ProjectGroup[], filter: GridFilter): GridLine[] {
  const { test } = compileFilter(filter);
  const out: GridLine[] = [];
  for (const g of groups) {
    const rows = [...g.services, ...g.oneoffs].filter(test);
    if (rows.length === 0) continue;
    out.push({ kind: 'project', key: `project:${g.key}`, name: g.kind === 'other' ? '(no compose project)' : g.name, degraded: g.degraded });
    for (const row of rows) out.push({ kind: 'service', key: row.key, row });
  }
  return out;
}

/** The selection after a move: skips project headings, clamps at the ends, survives rows vanishing. */
export function moveSelection(lines: readonly GridLine[], currentKey: string | undefined, delta: number | 'first' | 'last'): string | undefined {
  const selectable = lines.filter((l) => l.kind === 'service');
  if (selectable.length === 0) return undefined;
  if (delta === 'first') return selectable[0]!.key;
  if (delta === 'last') return selectable.at(-1)!.key;
  let idx = selectable.findIndex((l) => l.key === currentKey);
  if (idx < 0) idx = 0;
  else idx = Math.min(selectable.length - 1, Math.max(0, idx + delta));
  return selectable[idx]!.key;
}
