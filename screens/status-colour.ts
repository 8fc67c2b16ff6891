import type { StatusLevel } from '../components/StatusBar.js';


/** The status line's colour for each level. */
export function levelColour(level: StatusLevel): string {
  return { ok: 'green', warn: 'yellow', error: 'red', info: 'cyan' }[level];
}
