import type { KeyBinding } from '../components/key-bindings.js';

export type BackupsAction = 'down' | 'up' | 'top' | 'bottom' | 'restore' | 'verify' | 'runNow' | 'wizard' | 'pruneDryRun' | 'refresh' | 'help' | 'back';

export const backupsKeys: readonly KeyBinding<BackupsAction>[] = [
  { keys: ['j', 'down'], action: 'down', hint: 'down', description: 'move the selection down' },
  { keys: ['k', 'up'], action: 'up', hint: 'up', description: 'move the selection up' },
  { keys: ['g'], action: 'top', hint: 'top', description: 'jump to the newest backup' },
  { keys: ['G'], action: 'bottom', hint: 'bottom', description: 'jump to the oldest backup' },
  { keys: ['enter'], action: 'restore', hint: 'restore', description: 'restore the selected backup (test restore or live)', primary: true },
  { keys: ['v'], action: 'verify', hint: 'verify', description: 'verify the selected backup again (sha256, decrypt, pg_restore --list)', primary: true },
  { keys: ['b'], action: 'runNow', hint: 'back up now', description: 'run a backup now (progress in the wizard)', primary: true },
  { keys: ['w'], action: 'wizard', hint: 'settings', description: 'open the backup wizard: detect PostgreSQL, edit the settings', primary: true },
  { keys: ['p'], action: 'pruneDryRun', hint: 'retention', description: 'show what the retention policy would delete (nothing is deleted)' },
  { keys: ['r'], action: 'refresh', hint: 'refresh', description: 'read the backup directory again' },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding', primary: true },
  { keys: ['esc', 'q'], action: 'back', hint: 'back', description: 'back to the previous screen', primary: true },
];
