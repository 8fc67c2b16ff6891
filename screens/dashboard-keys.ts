import type { KeyBinding } from '../components/key-bindings.js';

export type DashboardAction =
  | 'down' | 'up' | 'top' | 'bottom' | 'pageDown' | 'pageUp'
  | 'open' | 'filter' | 'command' | 'faulted' | 'clear'
  | 'restart' | 'stopStart' | 'recreate' | 'shell' | 'logs' | 'runbook'
  | 'help' | 'quit';

/** `mutates` bindings change the server: hidden and refused with --readonly. */
export const dashboardKeys: readonly (KeyBinding<DashboardAction> & { mutates?: boolean })[] = [
  { keys: ['j', 'down'], action: 'down', hint: 'down', description: 'move the selection down' },
  { keys: ['k', 'up'], action: 'up', hint: 'up', description: 'move the selection up' },
  { keys: ['g'], action: 'top', hint: 'top', description: 'jump to the first service' },
  { keys: ['G'], action: 'bottom', hint: 'bottom', description: 'jump to the last service' },
  { keys: ['pagedown', 'ctrl-f'], action: 'pageDown', hint: 'page down', description: 'one page down' },
  { keys: ['pageup', 'ctrl-b'], action: 'pageUp', hint: 'page up', description: 'one page up' },
  { keys: ['enter'], action: 'open', hint: 'details', description: 'containers, health checks, restarts, mounts, env of the service', primary: true },
  { keys: ['/'], action: 'filter', hint: 'filter', description: 'filter services by regex (start with ! to invert)', primary: true },
  { keys: [':'], action: 'command', hint: 'command', description: 'command mode (:logs api, :hosts, :help, :q)', primary: true },
  { keys: ['ctrl-z'], action: 'faulted', hint: 'faulted', description: 'show only faulted services (toggle)', primary: true },
  { keys: ['esc'], action: 'clear', hint: 'clear', description: 'clear the filter; with none, back to the fleet view (when the grid was opened from it)' },
  { keys: ['b'], action: 'runbook', hint: 'runbook', description: 'runbooks for the selected service\'s fault (unhealthy, restart loop, exited non-zero); shown on such a row only', primary: true },
  { keys: ['l'], action: 'logs', hint: 'logs', description: 'follow the logs of the service', primary: true },
  { keys: ['r'], action: 'restart', hint: 'restart', description: 'restart the service (asks first)', primary: true, mutates: true },
  { keys: ['s'], action: 'stopStart', hint: 'stop/start', description: 'stop a running service, start a stopped one (asks first)', primary: true, mutates: true },
  { keys: ['R'], action: 'recreate', hint: 'recreate', description: 'docker compose up -d --no-deps --force-recreate (shows the command, asks first)', mutates: true },
  { keys: ['x'], action: 'shell', hint: 'shell', description: 'open a shell in the first running container', primary: true, mutates: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding', primary: true },
  { keys: ['q', 'ctrl-c'], action: 'quit', hint: 'quit', description: 'quit opsdeck', primary: true },
];

export function visibleDashboardKeys(readonly: boolean) {
  return readonly ? dashboardKeys.filter((b) => !b.mutates) : dashboardKeys;
}

/** The grid's keys for the row selected now: `b runbook` only on a row with a fault runbooks answer. */
export function dashboardKeysFor(readonly: boolean, runbookOffered: boolean) {
  const keys = visibleDashboardKeys(readonly);
  return runbookOffered ? keys : keys.filter((b) => b.action !== 'runbook');
}
