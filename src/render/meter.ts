/**
 * A one-line bar for % of a limit: `███▌░░░░`. Eighth blocks give eight steps per cell, so a
 * six-cell bar still tells 70 % from 75 %.
 */

const PARTIALS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;
const FULL = '█';
const EMPTY = '░';

/**
 * `percent` is clamped to 0–100; null (no limit) draws an empty track. A bar reads full only at
 * 100 %, so 99.6 % of a limit does not look like a container already at it. `ascii` draws
 * `###=....` for terminals without block characters.
 */
export function meter(percent: number | null, width: number, opts: { ascii?: boolean } = {}): string {
  const w = Math.max(0, Math.floor(width));
  if (w === 0) return '';
  const full = opts.ascii ? '#' : FULL;
  const empty = opts.ascii ? '.' : EMPTY;
  if (percent === null || !Number.isFinite(percent)) return empty.repeat(w);
  const p = Math.min(100, Math.max(0, percent));
  const steps = opts.ascii ? 2 : 8;
  let filled = Math.round((p / 100) * w * steps);
  if (p < 100 && filled === w * steps) filled--;
  if (p > 0 && filled === 0) filled = 1;
  const whole = Math.floor(filled / steps);
  const rest = filled % steps;
  const partial = rest === 0 ? '' : opts.ascii ? '=' : PARTIALS[rest]!;
  return full.repeat(whole) + partial + empty.repeat(w - whole - (partial ? 1 : 0));
}
