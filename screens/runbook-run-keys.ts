import type { KeyBinding } from '../components/key-bindings.js';

export type RunbookRunAction = 'down' | 'up' | 'follow' | 'pageUp' | 'pageDown' | 'bottom' | 'stop' | 'help' | 'back';

/** A run in progress or ended: the steps on the left, the selected step's output on the right. */
export const runbookRunKeys: readonly KeyBinding<RunbookRunAction>[] = [
  { keys: ['j', 'down'], action: 'down', hint: 'next step', description: "show the next step's output" },
  { keys: ['k', 'up'], action: 'up', hint: 'previous step', description: "show the previous step's output" },
  { keys: ['f'], action: 'follow', hint: 'follow', description: 'follow the running step again', primary: true },
  { keys: ['pageup', 'ctrl-b'], action: 'pageUp', hint: 'page up', description: 'scroll the output up a page' },
  { keys: ['pagedown', 'ctrl-f'], action: 'pageDown', hint: 'page down', description: 'scroll the output down a page' },
  { keys: ['G', 'end'], action: 'bottom', hint: 'newest', description: 'scroll to the newest output' },
  { keys: ['x', 'ctrl-c'], action: 'stop', hint: 'stop', description: 'stop the run (asks first); the current step is interrupted and the run can be resumed', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding', primary: true },
  { keys: ['esc', 'q'], action: 'back', hint: 'back', description: 'leave the run once it has ended (while it runs, asks to stop it)', primary: true },
];

export type ManualStepAction = 'done' | 'skip' | 'stop';

/** A manual step: a person does what it says, then tells the run. */
export const manualStepKeys: readonly KeyBinding<ManualStepAction>[] = [
  { keys: ['y'], action: 'done', hint: 'done', description: 'the step is done: go on', primary: true },
  { keys: ['s'], action: 'skip', hint: 'skip', description: 'skip the step: go on without it', primary: true },
  { keys: ['q'], action: 'stop', hint: 'stop', description: 'stop the run here (it can be resumed)', primary: true },
];

export type ProductionConfirmAction = 'submit' | 'refuse';

/** Confirming an act step on a production server: its name is typed out, not just y. */
export const productionConfirmKeys: readonly KeyBinding<ProductionConfirmAction>[] = [
  { keys: ['enter'], action: 'submit', hint: 'run it', description: "run the step once the server's name is typed exactly", primary: true },
  { keys: ['esc'], action: 'refuse', hint: 'refuse', description: 'do not run it: the run stops here and can be resumed', primary: true },
];
