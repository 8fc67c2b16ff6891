import type { KeyBinding } from '../components/key-bindings.js';

export type AuditAction = 'up' | 'down' | 'problems' | 'rerun' | 'back' | 'help';

/** The audit table: move through the rows; the selected row's evidence and fix show below. */
export const auditKeys: readonly KeyBinding<AuditAction>[] = [
  { keys: ['up', 'k'], action: 'up', hint: 'up', description: 'select the previous row' },
  { keys: ['down', 'j'], action: 'down', hint: 'down', description: 'select the next row' },
  { keys: ['f'], action: 'problems', hint: 'problems only', description: 'show only failing and warning rows (again: all rows)', primary: true },
  { keys: ['r'], action: 'rerun', hint: 'audit again', description: 'run every check again', primary: true },
  { keys: ['esc'], action: 'back', hint: 'back', description: 'leave the audit', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding' },
];
