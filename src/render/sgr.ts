import type { ColorName } from './health.js';
import type { ProfileColour } from '../config/profile-schema.js';

// The health colours plus every profile colour (src/config/profile-schema.ts PROFILE_COLOURS).
const FG: Record<ColorName | ProfileColour, string> = {
  red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36', white: '37', gray: '90',
  redBright: '91', greenBright: '92', yellowBright: '93', blueBright: '94', magentaBright: '95', cyanBright: '96',
};

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
  const codes = [p.bold ? '1' : '', p.dim ? '2' : '', p.inverse ? '7' : '', p.color ? FG[p.color as ColorName | ProfileColour] ?? '' : ''].filter(Boolean);
  return codes.length ? `\u001b[${codes.join(';')}m${text}\u001b[0m` : text;
}
