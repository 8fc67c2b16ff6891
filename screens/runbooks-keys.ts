import type { KeyBinding } from '../components/key-bindings.js';

export type RunbooksAction = 'down' | 'up' | 'top' | 'bottom' | 'run' | 'plan' | 'search' | 'all' | 'help' | 'back';

/** The runbook list (`:runbooks`, or `b` on a faulted service). */
export const runbooksKeys: readonly KeyBinding<RunbooksAction>[] = [
  { keys: ['j', 'down'], action: 'down', hint: 'down', description: 'move the selection down' },
  { keys: ['k', 'up'], action: 'up', hint: 'up', description: 'move the selection up' },
  { keys: ['g'], action: 'top', hint: 'top', description: 'jump to the first runbook' },
  { keys: ['G'], action: 'bottom', hint: 'bottom', description: 'jump to the last runbook' },
  { keys: ['enter'], action: 'run', hint: 'run', description: 'run the selected runbook (its parameters are asked first)', primary: true },
  { keys: ['p'], action: 'plan', hint: 'plan', description: 'run it as a plan: only its check steps run, every other step is shown with its command', primary: true },
  { keys: ['/'], action: 'search', hint: 'search', description: 'search by id, title or fault', primary: true },
  { keys: ['a'], action: 'all', hint: 'all/offered', description: 'show every runbook, or again only those offered for the fault', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding', primary: true },
  { keys: ['esc', 'q'], action: 'back', hint: 'back', description: 'back to the previous screen', primary: true },
];

export type ParamFormAction = 'next' | 'previous' | 'cycle' | 'submit' | 'cancel';

/**
 * The parameter form before a run. Typing edits the field with the cursor (ctrl-u clears it); a
 * secret field shows bullets only, and there enter moves on.
 */
export const paramFormKeys: readonly KeyBinding<ParamFormAction>[] = [
  { keys: ['down'], action: 'next', hint: 'next field', description: 'the next parameter', primary: true },
  { keys: ['up'], action: 'previous', hint: 'previous', description: 'the previous parameter', primary: true },
  { keys: ['tab'], action: 'cycle', hint: 'next value', description: 'the next of the values a parameter with a list allows', primary: true },
  { keys: ['enter'], action: 'submit', hint: 'next / start', description: 'the next parameter; on the last one, check every value and start the run', primary: true },
  { keys: ['esc'], action: 'cancel', hint: 'cancel', description: 'back to the list, nothing run', primary: true },
];
