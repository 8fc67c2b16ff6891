/**
 * Column fitting for the grid and `opsdeck status`: which columns fit the terminal, and how
 * wide each is. Widths are display cells (string-width), so a CJK service name or an emoji in a
 * label takes the two cells the terminal gives it.
 *
 * Columns are taken in priority order; the first always shows, and any other that does not fit
 * is skipped (a narrow column of lower priority may still show where a wide one could not).
 * Spare width then goes to the flexible columns in proportion to their `flex`, up to `max`.
 */
import stringWidth from 'string-width';

export interface ColumnSpec {
  id: string;
  /** Width below which the column is not worth showing. */
  min: number;
  /** Lower is more important; 0 for the column that must always show. */
  priority: number;
  /** Share of the spare width; 0 or absent keeps the column at `min`. */
  flex?: number;
  /** Upper bound when growing. */
  max?: number;
}

export interface FittedColumn {
  id: string;
  width: number;
}

export function fitColumns(specs: readonly ColumnSpec[], totalWidth: number, opts: { gap?: number } = {}): FittedColumn[] {
  const gap = opts.gap ?? 1;
  const total = Math.max(0, Math.floor(totalWidth));
  const order = specs.map((s, i) => ({ s, i })).sort((a, b) => a.s.priority - b.s.priority || a.i - b.i);

  const chosen = new Map<number, number>();
  let used = 0;
  for (const { s, i } of order) {
    if (chosen.size === 0) {
      // The most important column always shows, cut down if the terminal is narrower than it.
      chosen.set(i, Math.min(s.min, total));
      used = Math.min(s.min, total);
      continue;
    }
    if (used + gap + s.min <= total) {
      chosen.set(i, s.min);
      used += gap + s.min;
    }
  }

  let spare = total - used;
  const growable = () => order.filter(({ s, i }) => chosen.has(i) && (s.flex ?? 0) > 0 && chosen.get(i)! < (s.max ?? Infinity));
  let candidates = growable();
  while (spare > 0 && candidates.length > 0) {
    const weight = candidates.reduce((n, { s }) => n + (s.flex ?? 0), 0);
    let given = 0;
    for (const { s, i } of candidates) {
      const cur = chosen.get(i)!;
      const share = Math.min(Math.floor((spare * (s.flex ?? 0)) / weight), (s.max ?? Infinity) - cur);
      if (share > 0) {
        chosen.set(i, cur + share);
        given += share;
      }
    }
    if (given === 0) {
      // Fewer spare cells than columns: hand them out one by one, most important first.
      for (const { s, i } of candidates) {
        if (spare - given === 0) break;
        const cur = chosen.get(i)!;
        if (cur < (s.max ?? Infinity)) {
          chosen.set(i, cur + 1);
          given++;
        }
      }
    }
    spare -= given;
    candidates = growable();
  }

  return specs.flatMap((s, i) => (chosen.has(i) ? [{ id: s.id, width: chosen.get(i)! }] : []));
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Display width in terminal cells. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** Cut to `width` cells with "…" when too long, never splitting a grapheme or a wide character. */
export function truncate(text: string, width: number): string {
  const w = Math.max(0, Math.floor(width));
  return stringWidth(text) <= w ? text : cut(text, w);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function cut(text: string, w: number): string {
  if (w === 0) return '';
  // One cell per character: no graphemes to keep whole (most cut cells and lines are plain ASCII).
  if (PRINTABLE_ASCII.test(text)) return `${text.slice(0, w - 1)}…`;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const sw = stringWidth(segment);
    if (used + sw > w - 1) break;
    out += segment;
    used += sw;
  }
  return `${out}…`;
}

/** Exactly `width` cells: truncated, then padded. */
export function fitCell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const w = Math.max(0, Math.floor(width));
  // Most cells fit: measured once, and only a cut one is measured again.
  const textWidth = stringWidth(text);
  const fitted = textWidth <= w ? text : cut(text, w);
  const pad = ' '.repeat(w - (fitted === text ? textWidth : stringWidth(fitted)));
  return align === 'left' ? fitted + pad : pad + fitted;
}
