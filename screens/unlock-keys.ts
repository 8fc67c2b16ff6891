import type { KeyBinding } from '../components/key-bindings.js';

export type UnlockAction = 'proceed' | 'retry' | 'back' | 'help';

/** Keys of the Unlock screen while no question is open (the passphrase and host-key dialogs take every key). */
export const unlockKeys: readonly KeyBinding<UnlockAction>[] = [
  { keys: ['enter'], action: 'proceed', hint: 'unlock / open', description: 'start the unlock; once the server is back, open its dashboard', primary: true },
  { keys: ['r'], action: 'retry', hint: 'knock again', description: 'knock on sshd and the initramfs again (after a failure: start over)', primary: true },
  { keys: ['esc'], action: 'back', hint: 'back', description: 'stop what runs (a retry pause, the wait for sshd) and leave the screen', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding', primary: true },
];
