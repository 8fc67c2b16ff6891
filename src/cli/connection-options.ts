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

export type { ConnectionFlags } from '../transport/connection-flags.js';
