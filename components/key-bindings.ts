import type { Key } from 'ink';

/**
 * One binding table per screen: the screen dispatches input through it, and the hint bar and
 * the help screen render from it, so what is shown can never drift from what works.
 */
export interface KeyBinding<A extends string = string> {
  /** Key names: a printable character ('j', '/', '?'), or a named key ('up', 'enter', 'esc', 'ctrl-z', 'pageup'). */
  keys: readonly string[];
  action: A;
  /** Short label for the hint bar. */
  hint: string;
  /** One line for the help screen. */
  description: string;
  /** Shown in the hint bar (the most useful few); all bindings show on the help screen. */
  primary?: boolean;
}

/** Name an Ink key event the way binding tables spell keys. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl-${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

export function findBinding<A extends string>(table: readonly KeyBinding<A>[], input: string, key: Key): KeyBinding<A> | undefined {
  const name = keyName(input, key);
  return table.find((b) => b.keys.includes(name));
}

/** How a key reads in hints: arrows as glyphs, named keys in angle brackets. */
export function displayKey(k: string): string {
  const named: Record<string, string> = { up: '↑', down: '↓', left: '←', right: '→', enter: '⏎', esc: 'esc', pageup: 'PgUp', pagedown: 'PgDn' };
  return named[k] ?? k;
}
