import type { KeyBinding } from '../components/key-bindings.js';

export type UnlockCheckAction = 'rerun' | 'pin' | 'write' | 'confirm' | 'back' | 'help';

/** The remote-unlock setup check. `y` only does something while the planned changes are on screen. */
export const unlockCheckKeys: readonly KeyBinding<UnlockCheckAction>[] = [
  { keys: ['r'], action: 'rerun', hint: 'check again', description: 'run the setup check again', primary: true },
  { keys: ['p'], action: 'pin', hint: 'pin key', description: "pin Dropbear's host key(s) in the initramfs known_hosts, vouched for by this connection", primary: true },
  { keys: ['w'], action: 'write', hint: 'fix…', description: 'show the exact changes that would harden the setup (nothing is written yet)', primary: true },
  { keys: ['y'], action: 'confirm', hint: 'write', description: 'write the shown changes and run update-initramfs -u' },
  { keys: ['esc'], action: 'back', hint: 'back', description: 'leave the check (esc while changes are shown: drop them)', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding' },
];
