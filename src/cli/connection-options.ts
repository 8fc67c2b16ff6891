import type { OptionTable } from './command.js';

/** Flags every command that talks to a server accepts; one table so help and parsing agree. */
export const connectionOptions: OptionTable = {
  host: { type: 'string', valueName: 'NAME', description: 'server: a saved profile, an ssh_config Host alias, or user@host[:port]' },
  'ssh-config': { type: 'string', valueName: 'PATH', description: 'read this ssh_config instead of ~/.ssh/config (as ssh -F)' },
  socket: { type: 'string', valueName: 'PATH', description: "the Docker socket on the server (default /var/run/docker.sock)" },
  local: { type: 'boolean', description: 'talk to the local Docker socket (or a unix:// DOCKER_HOST), no SSH' },
  'accept-new': { type: 'boolean', description: 'trust and record an unknown host key (never a changed one)' },
  config: { type: 'string', valueName: 'PATH', description: 'profile store file (default: the user config dir; or OPSDECK_CONFIG)' },
};

/**
 * Flags for commands that can watch several servers at once. Kept out of connectionOptions:
 * a single-server command given --group would have to pick one, and picking silently is wrong.
 */
export const fleetOptions: OptionTable = {
  group: { type: 'string', valueName: 'NAME', description: 'every saved profile in this group (a fleet); --host a,b also names several servers' },
};

export type { ConnectionFlags } from '../transport/connection-flags.js';
