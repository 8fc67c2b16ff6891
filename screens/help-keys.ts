import type { KeyBinding } from '../components/key-bindings.js';

export type HelpAction = 'back' | 'quit';

export const helpKeys: readonly KeyBinding<HelpAction>[] = [
  { keys: ['esc', '?'], action: 'back', hint: 'back', description: 'close the help screen', primary: true },
  { keys: ['q', 'ctrl-c'], action: 'quit', hint: 'quit', description: 'quit opsdeck', primary: true },
];
