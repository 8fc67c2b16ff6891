import type { KeyBinding } from '../components/key-bindings.js';

export type DetailAction = 'down' | 'up' | 'pageDown' | 'pageUp' | 'top' | 'bottom' | 'logs' | 'shell' | 'back' | 'help' | 'quit';

export const detailKeys: readonly (KeyBinding<DetailAction> & { mutates?: boolean })[] = [
  { keys: ['j', 'down'], action: 'down', hint: 'down', description: 'scroll down' },
  { keys: ['k', 'up'], action: 'up', hint: 'up', description: 'scroll up' },
  { keys: ['pagedown', 'ctrl-f', ' '], action: 'pageDown', hint: 'page down', description: 'one page down' },
  { keys: ['pageup', 'ctrl-b'], action: 'pageUp', hint: 'page up', description: 'one page up' },
  { keys: ['g'], action: 'top', hint: 'top', description: 'to the top' },
  { keys: ['G'], action: 'bottom', hint: 'bottom', description: 'to the end' },
  { keys: ['l'], action: 'logs', hint: 'logs', description: 'follow the logs of this service', primary: true },
  { keys: ['x'], action: 'shell', hint: 'shell', description: 'shell into the first running container', primary: true, mutates: true },
  { keys: ['esc', 'backspace'], action: 'back', hint: 'back', description: 'back to the grid', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding', primary: true },
  { keys: ['q', 'ctrl-c'], action: 'quit', hint: 'quit', description: 'quit opsdeck', primary: true },
];
