import type { ColorName } from './health.js';

const FG: Record<ColorName, string> = { red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36', gray: '90' };

export interface Paint {
  color?: string | undefined;
  bold?: boolean | undefined;
  dim?: boolean | undefined;
  inverse?: boolean | undefined;
}

/**
 * Our own styling as SGR codes around already-sanitised text: one string per table row instead
 * of one Ink node per cell (Ink measures every node's width on every frame; measured, that was
 * most of the live grid's CPU).
 */
export function paint(text: string, p: Paint, enabled: boolean): string {
  if (!enabled || text === '') return text;
  const codes = [p.bold ? '1' : '', p.dim ? '2' : '', p.inverse ? '7' : '', p.color ? FG[p.color as ColorName] ?? '' : ''].filter(Boolean);
  return codes.length ? `\u001b[${codes.join(';')}m${text}\u001b[0m` : text;
}
