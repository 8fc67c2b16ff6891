import type { KeyBinding } from '../components/key-bindings.js';

export type ConfirmAction = 'yes' | 'no';

export const confirmKeys: readonly KeyBinding<ConfirmAction>[] = [
  { keys: ['y', 'Y'], action: 'yes', hint: 'yes', description: 'go ahead', primary: true },
  { keys: ['n', 'N', 'esc'], action: 'no', hint: 'no', description: 'cancel', primary: true },
];
