/**
 * How health, state and usage levels look: a symbol, a word and a colour name, as data.
 *
 * Colour is never the only signal. With colour, every health shows the same dot and the colour
 * tells them apart; without it (NO_COLOR, `opsdeck status` into a log) each gets a distinct
 * ASCII mark, so "unhealthy" never depends on telling red from green.
 */
import type { ContainerState, HealthState } from '../docker/container.js';
import type { ServiceState } from '../model/grouping.js';
import type { UsageLevel } from '../model/stats-math.js';

/** Ink's <Text color> accepts these names. */
export type ColorName = 'green' | 'yellow' | 'red' | 'gray' | 'cyan' | 'magenta' | 'blue';

export interface Glyph {
  /** Drawn in `color`. */
  symbol: string;
  /** Drawn without colour: distinct per value, ASCII. */
  plain: string;
  label: string;
  color: ColorName;
}

export interface StyledText {
  text: string;
  /** null: draw in the terminal's default colour. */
  color: ColorName | null;
}

const HEALTH: Record<HealthState, Glyph> = {
  healthy: { symbol: '●', plain: '+', label: 'healthy', color: 'green' },
  unhealthy: { symbol: '●', plain: '!', label: 'unhealthy', color: 'red' },
  starting: { symbol: '◐', plain: '~', label: 'starting', color: 'yellow' },
  none: { symbol: '○', plain: '-', label: 'no check', color: 'gray' },
};

const STATE: Record<ContainerState | ServiceState, Glyph> = {
  running: { symbol: '▸', plain: '>', label: 'running', color: 'green' },
  partial: { symbol: '◑', plain: '/', label: 'partial', color: 'yellow' },
  restarting: { symbol: '↻', plain: '@', label: 'restarting', color: 'red' },
  paused: { symbol: '‖', plain: '=', label: 'paused', color: 'yellow' },
  stopped: { symbol: '■', plain: '.', label: 'stopped', color: 'gray' },
  exited: { symbol: '■', plain: 'x', label: 'exited', color: 'red' },
  created: { symbol: '□', plain: 'o', label: 'created', color: 'gray' },
  dead: { symbol: '✕', plain: 'X', label: 'dead', color: 'red' },
  removing: { symbol: '…', plain: '_', label: 'removing', color: 'gray' },
  unknown: { symbol: '?', plain: '?', label: 'unknown', color: 'gray' },
};

export function healthGlyph(h: HealthState): Glyph {
  return HEALTH[h];
}

export function stateGlyph(s: ContainerState | ServiceState): Glyph {
  return STATE[s];
}

/** Colour for a % of limit; null (default colour) when fine or unknown. */
export function levelColor(level: UsageLevel | null): ColorName | null {
  if (level === 'critical') return 'red';
  if (level === 'warn') return 'yellow';
  return null;
}

/** "● healthy" in colour, "+ healthy" without; `label: false` for the symbol alone. */
export function renderGlyph(g: Glyph, opts: { color: boolean; label?: boolean }): StyledText {
  const mark = opts.color ? g.symbol : g.plain;
  return { text: opts.label === false ? mark : `${mark} ${g.label}`, color: opts.color ? g.color : null };
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export function colorEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const v = env.NO_COLOR;
  return v === undefined || v === '';
}
