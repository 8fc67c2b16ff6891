import type { KeyBinding } from '../components/key-bindings.js';

export type WizardAction = 'down' | 'up' | 'select' | 'redetect' | 'save' | 'detectAgain' | 'start' | 'cancel' | 'settings' | 'help' | 'back';

/** While a field is being edited, the text input owns the keys (enter keeps, esc drops the edit). */
export const backupWizardKeys: readonly KeyBinding<WizardAction>[] = [
  { keys: ['j', 'down'], action: 'down', hint: 'down', description: 'next container or field' },
  { keys: ['k', 'up'], action: 'up', hint: 'up', description: 'previous container or field' },
  { keys: ['enter'], action: 'select', hint: 'choose/edit', description: 'detect: use this container · settings: edit the field (choices cycle)', primary: true },
  { keys: ['r'], action: 'redetect', hint: 'detect again', description: 'detect: look for PostgreSQL containers again' },
  { keys: ['d'], action: 'detectAgain', hint: 'detect', description: 'settings: back to detection' },
  { keys: ['s'], action: 'save', hint: 'save', description: 'settings: check and save them to the profile, then go to the run', primary: true },
  { keys: ['x'], action: 'start', hint: 'run', description: 'run: start a backup now', primary: true },
  { keys: ['c'], action: 'cancel', hint: 'cancel', description: 'run: stop the running backup (the server removes its partial files)', primary: true },
  { keys: ['e'], action: 'settings', hint: 'edit', description: 'run: back to the settings' },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding' },
  { keys: ['esc', 'q'], action: 'back', hint: 'back', description: 'back to the previous screen', primary: true },
];
