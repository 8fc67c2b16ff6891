import type { CommandDef } from '../src/model/command-line.js';


/** The command line's table (`:` on the grid): parsed, completed and listed in help from here. */
export const COMMANDS: readonly CommandDef[] = [
  { name: 'help', aliases: ['h', '?'], description: 'show every key binding' },
  { name: 'faulted', description: 'show only faulted services (as ctrl-z)' },
  { name: 'all', description: 'show every service again' },
  { name: 'logs', description: 'follow the logs of services: :logs api worker', takesServices: true },
  { name: 'hosts', description: 'saved servers: connect, add, test, remove' },
  { name: 'backups', aliases: ['backup'], description: 'PostgreSQL backups: list, verify, back up now, wizard, test restores' },
  { name: 'runbooks', aliases: ['rb', 'runbook'], description: 'on-call runbooks: list, search, run one step by step (p: a plan, checks only)' },
  { name: 'audit', description: 'hardening audit of this server: pass / warn / fail with evidence and the fix' },
  { name: 'unlock', description: 'check the LUKS remote-unlock setup of this server (Dropbear in the initramfs)' },
  { name: 'fleet', description: 'every server of the group at once (esc there comes back to this grid when opened from it)' },
  { name: 'host', description: "switch to another server: in a fleet, that server's grid over the fleet's connection", takesServices: true },
  { name: 'quit', aliases: ['q', 'q!'], description: 'quit opsdeck' },
];

/** The fleet view's command line. */
export const FLEET_COMMANDS: readonly CommandDef[] = [
  { name: 'help', aliases: ['h', '?'], description: 'show every key binding' },
  { name: 'host', description: "open a server's full grid: :host db-1", takesServices: true },
  { name: 'logs', description: 'merge the logs of services on several servers: :logs web-1:api db-1:postgres', takesServices: true },
  { name: 'quit', aliases: ['q', 'q!'], description: 'quit opsdeck' },
];
