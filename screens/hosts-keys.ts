import type { KeyBinding } from '../components/key-bindings.js';

export type HostsAction = 'down' | 'up' | 'top' | 'bottom' | 'pick' | 'add' | 'edit' | 'test' | 'default' | 'remove' | 'reload' | 'back' | 'help';

/** `edits` bindings change the local profile file (never the server): hidden when the screen is read-only. */
export const hostsKeys: readonly (KeyBinding<HostsAction> & { edits?: boolean })[] = [
  { keys: ['j', 'down'], action: 'down', hint: 'down', description: 'move the selection down' },
  { keys: ['k', 'up'], action: 'up', hint: 'up', description: 'move the selection up' },
  { keys: ['g'], action: 'top', hint: 'top', description: 'jump to the first server' },
  { keys: ['G'], action: 'bottom', hint: 'bottom', description: 'jump to the last server' },
  { keys: ['enter'], action: 'pick', hint: 'connect', description: 'connect to the selected server', primary: true },
  { keys: ['t'], action: 'test', hint: 'test', description: "check every step to the server's Docker API (as opsdeck doctor) and show what to fix", primary: true },
  { keys: ['a'], action: 'add', hint: 'add', description: 'add a server: name, [user@]host[:port] or ssh_config alias, Docker socket, compose dir, group, environment, colour, read-only', primary: true, edits: true },
  { keys: ['e'], action: 'edit', hint: 'edit', description: "change the selected server's fields (its name stays; settings the form does not show are kept)", primary: true, edits: true },
  { keys: ['d'], action: 'default', hint: 'default', description: 'make the selected server the default (opened without --host); on the default: clear it', primary: true, edits: true },
  { keys: ['x', 'D'], action: 'remove', hint: 'remove', description: 'remove the saved profile (asks first; the server is not touched)', primary: true, edits: true },
  { keys: ['r'], action: 'reload', hint: 'reload', description: 're-read the profile file (after editing it by hand)' },
  { keys: ['esc'], action: 'back', hint: 'back', description: 'leave the server list', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding', primary: true },
];

export function visibleHostsKeys(readonly: boolean) {
  return readonly ? hostsKeys.filter((b) => !b.edits) : hostsKeys;
}

export type HostFormAction = 'next' | 'colour' | 'cancel';

/** The add and edit form's keys (TextInput reads them; this table is what the hint bar and help show). */
export const hostFormKeys: readonly KeyBinding<HostFormAction>[] = [
  { keys: ['enter'], action: 'next', hint: 'next / save', description: 'check the field and go to the next one; on the last field, save', primary: true },
  { keys: ['tab'], action: 'colour', hint: 'next colour', description: 'in the colour field: complete the colour typed so far, or go on to the next colour', primary: true },
  { keys: ['esc'], action: 'cancel', hint: 'cancel', description: 'drop the form (nothing is saved)', primary: true },
];
