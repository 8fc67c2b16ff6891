import type { Keypress } from '../src/terminal/keypress-reader.js';

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

/** A key as handlers read it: Ink's (input, key) flags, plus its table name and whether it is a paste. */
export interface KeyInfo {
  name: string;
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  pageUp: boolean;
  pageDown: boolean;
  home: boolean;
  end: boolean;
  return: boolean;
  escape: boolean;
  tab: boolean;
  backspace: boolean;
  delete: boolean;
  ctrl: boolean;
  shift: boolean;
  meta: boolean;
  paste: boolean;
}

/** The (input, key) pair of a keypress: input is the text it types, or the letter of a ctrl/alt key. */
export function keyInfo(k: Keypress): [string, KeyInfo] {
  const base = k.name.replace(/^(ctrl-|alt-|shift-)+/, '');
  const info: KeyInfo = {
    name: k.name,
    upArrow: base === 'up',
    downArrow: base === 'down',
    leftArrow: base === 'left',
    rightArrow: base === 'right',
    pageUp: base === 'pageup',
    pageDown: base === 'pagedown',
    home: base === 'home',
    end: base === 'end',
    return: k.name === 'enter',
    escape: k.name === 'esc',
    tab: base === 'tab',
    backspace: k.name === 'backspace',
    delete: k.name === 'delete',
    ctrl: k.ctrl,
    shift: k.shift,
    meta: k.meta,
    paste: k.paste,
  };
  const input = k.paste || k.text ? k.text : (k.ctrl || k.meta) && base.length === 1 ? base : '';
  return [input, info];
}

/** Name a key the way binding tables spell it. */
export function keyName(_input: string, key: KeyInfo): string {
  if (key.paste) return 'paste';
  if (key.delete) return 'backspace';
  return key.name;
}

export function findBinding<A extends string>(table: readonly KeyBinding<A>[], input: string, key: KeyInfo): KeyBinding<A> | undefined {
  const name = keyName(input, key);
  return table.find((b) => b.keys.includes(name));
}

/** How a key reads in hints: arrows as glyphs, named keys in angle brackets. */
export function displayKey(k: string): string {
  const named: Record<string, string> = { up: '↑', down: '↓', left: '←', right: '→', enter: '⏎', esc: 'esc', pageup: 'PgUp', pagedown: 'PgDn' };
  return named[k] ?? k;
}
