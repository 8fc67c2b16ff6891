import type { KeyBinding } from '../components/key-bindings.js';

export type FailedAction = 'retry' | 'quit';

/** The "could not connect" panel. */
export const failedKeys: readonly KeyBinding<FailedAction>[] = [
  { keys: ['r'], action: 'retry', hint: 'retry', description: 'try to connect again', primary: true },
  { keys: ['q', 'esc', 'ctrl-c'], action: 'quit', hint: 'quit', description: 'quit opsdeck', primary: true },
];
