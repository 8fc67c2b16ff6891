import type { KeyBinding } from './key-bindings.js';

export type TypedConfirmAction = 'submit' | 'refuse';

/** Confirming on a production server: its name is typed out, not just y (a y is too easy on the wrong server). */
export const typedConfirmKeys: readonly KeyBinding<TypedConfirmAction>[] = [
  { keys: ['enter'], action: 'submit', hint: 'go ahead', description: "go ahead once the server's name is typed exactly", primary: true },
  { keys: ['esc'], action: 'refuse', hint: 'cancel', description: 'do not do it: nothing is changed', primary: true },
];
