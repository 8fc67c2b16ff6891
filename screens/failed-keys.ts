import type { KeyBinding } from '../components/key-bindings.js';

export type FailedAction = 'retry' | 'unlock' | 'runbook' | 'hosts' | 'quit';

/**
 * The "could not connect" panel; `unlock` shows only when the server waits for its disk
 * passphrase, and `runbook` only then too, and only when a runbook is offered for a locked server.
 */
export const failedKeys: readonly KeyBinding<FailedAction>[] = [
  { keys: ['r'], action: 'retry', hint: 'retry', description: 'try to connect again', primary: true },
  { keys: ['u'], action: 'unlock', hint: 'unlock disk', description: 'unlock the disk through Dropbear (when the server waits for its passphrase)', primary: true },
  { keys: ['b'], action: 'runbook', hint: 'reboot and unlock (runbook)', description: 'the runbooks offered for a locked server (offer_on: server-locked), e.g. reboot and unlock', primary: true },
  { keys: ['h'], action: 'hosts', hint: 'other server', description: 'pick another saved server', primary: true },
  { keys: ['q', 'esc', 'ctrl-c'], action: 'quit', hint: 'quit', description: 'quit opsdeck', primary: true },
];
