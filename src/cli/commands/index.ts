import type { CommandSpec } from '../command.js';

/**
 * Every command, in the order `opsdeck --help` lists them. A command's module (and all it
 * imports) is loaded when that command runs: `opsdeck logs` in a cron job should not evaluate
 * the backup, provisioning and terminal-UI code first (measured: ~0.1 s of start-up).
 */
const loaders: ReadonlyArray<readonly [string, () => Promise<CommandSpec>]> = [
  ['ui', async () => (await import('./ui.js')).uiCommand],
  ['status', async () => (await import('./status.js')).statusCommand],
  ['hosts', async () => (await import('./hosts.js')).hostsCommand],
  ['doctor', async () => (await import('./doctor.js')).doctorCommand],
  ['unlock', async () => (await import('./unlock.js')).unlockCommand],
  ['logs', async () => (await import('./logs.js')).logsCommand],
  ['backup', async () => (await import('./backup.js')).backupCommand],
  ['restore', async () => (await import('./restore.js')).restoreCommand],
  ['provision', async () => (await import('./provision.js')).provisionCommand],
  ['audit', async () => (await import('./audit.js')).auditCommand],
  ['runbook', async () => (await import('./runbook.js')).runbookCommand],
  // Its scripts are generated from this very list.
  ['completion', async () => (await import('./completion.js')).completionCommand(loadCommands)],
];

/** One command by name, loaded; undefined for an unknown name. */
export async function loadCommand(name: string): Promise<CommandSpec | undefined> {
  const entry = loaders.find(([n]) => n === name);
  return entry ? entry[1]() : undefined;
}

/** All commands, loaded (for the full help). */
export function loadCommands(): Promise<CommandSpec[]> {
  return Promise.all(loaders.map(([, load]) => load()));
}
