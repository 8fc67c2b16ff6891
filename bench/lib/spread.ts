/** Spread of repeated measurements, and the markdown tables benchmarks print and write. */

export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { n: 0, min: NaN, median: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: s.length, min: s[0]!, median, max: s.at(-1)! };
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toFixed(digits);
}

/** "median (min–max)". */
export function fmtSpread(s: Spread, unit = '', digits = 0): string {
  if (s.n === 0) return '–';
  if (s.n === 1) return `${fmt(s.median, digits)}${unit}`;
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export function markdownTable(rows: readonly (readonly string[])[]): string {
  const w = rows[0]!.map((_, i) => Math.max(3, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c + ' '.repeat(w[i]! - [...c].length)).join(' | ')} |`;
  return [line(rows[0]!), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
