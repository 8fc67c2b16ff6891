import type { KeyBinding } from '../components/key-bindings.js';

export type FleetAction = 'down' | 'up' | 'top' | 'bottom' | 'open' | 'retry' | 'command' | 'help' | 'quit';

/** The fleet view: a server row or a faulted service under it is selected; enter opens that server's grid. */
export const fleetKeys: readonly KeyBinding<FleetAction>[] = [
  { keys: ['j', 'down'], action: 'down', hint: 'down', description: 'next server or faulted service' },
  { keys: ['k', 'up'], action: 'up', hint: 'up', description: 'previous server or faulted service' },
  { keys: ['g'], action: 'top', hint: 'top', description: 'the first server' },
  { keys: ['G'], action: 'bottom', hint: 'bottom', description: 'the last line' },
  { keys: ['enter'], action: 'open', hint: 'open grid', description: "open the server's full grid (on a service: with it selected); esc comes back", primary: true },
  { keys: ['r'], action: 'retry', hint: 'retry now', description: 'skip the wait of every server between reconnect tries', primary: true },
  { keys: [':'], action: 'command', hint: 'command', description: 'command mode (:host NAME, :logs web-1:api db-1:postgres, :q)', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'every key binding', primary: true },
  { keys: ['q', 'ctrl-c'], action: 'quit', hint: 'quit', description: 'quit opsdeck', primary: true },
];
