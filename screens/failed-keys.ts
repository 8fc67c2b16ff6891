import type { KeyBinding } from '../components/key-bindings.js';

export type FailedAction = 'retry' | 'unlock' | 'hosts' | 'quit';

/** The "could not connect" panel; `unlock` shows only when the server waits for its disk passphrase. */
export const failedKeys: readonly KeyBinding<FailedAction>[] = [
  { keys: ['r'], action: 'retry', hint: 'retry', description: 'try to connect again', primary: true },
  { keys: ['u'], action: 'unlock', hint: 'unlock disk', description: 'unlock the disk through Dropbear (when the server waits for its passphrase)', primary: true },
  { keys: ['h'], action: 'hosts', hint: 'other server', description: 'pick another saved server', primary: true },
  { keys: ['q', 'esc', 'ctrl-c'], action: 'quit', hint: 'quit', description: 'quit opsdeck', primary: true },
];
