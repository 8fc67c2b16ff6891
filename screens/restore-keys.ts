import type { KeyBinding } from '../components/key-bindings.js';

export type RestoreAction = 'test' | 'live' | 'rollback' | 'again' | 'help' | 'back';

/** The typed confirmation has no key: the database name is typed out, then enter. */
export const restoreKeys: readonly KeyBinding<RestoreAction>[] = [
  { keys: ['t'], action: 'test', hint: 'test restore', description: 'test restore into a throwaway container; compare row counts with live', primary: true },
  { keys: ['L'], action: 'live', hint: 'restore live', description: 'restore over the live database (type its name; safety backup first)', primary: true },
  { keys: ['u'], action: 'rollback', hint: 'undo', description: 'after a failed live restore: go back to the safety backup (type the name again)', primary: true },
  { keys: ['n'], action: 'again', hint: 'new', description: 'clear the result, to restore again' },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding' },
  { keys: ['esc', 'q'], action: 'back', hint: 'back', description: 'back to the backups', primary: true },
];
