// The lab's fleet: the main stand-in VPS (web-1) and two more servers beside it, as the seeds
// grow past one box: PostgreSQL split onto its own VPS (db-1), and a staging copy of the shop
// (staging-1). Plain data; lab-up.ts / fleet-up.ts make it so, api.ts hands it to tests.
import { portFromEnv } from './paths.js';

export type ServerName = 'web-1' | 'db-1' | 'staging-1';
export type FleetServerName = Exclude<ServerName, 'web-1'>;
export type ServerRole = 'shop' | 'database' | 'staging';
export type ServerEnvironment = 'production' | 'staging';

export interface ServerDef {
  name: ServerName;
  role: ServerRole;
  environment: ServerEnvironment;
  /** A colour name of src/config/profile-schema.ts's PROFILE_COLOURS. */
  colour: string;
  /** The Host alias in the lab ssh_config. */
  hostAlias: string;
  /** Its sshd port: the default, and the variable that moves it. */
  defaultPort: number;
  portEnv: string;
}

export const WEB_SERVER: ServerDef = {
  name: 'web-1',
  role: 'shop',
  environment: 'production',
  colour: 'red',
  hostAlias: 'opsdeck-lab',
  defaultPort: 22022,
  portEnv: 'OPSDECK_LAB_SSH_PORT',
};

export interface FleetServerDef extends ServerDef {
  name: FleetServerName;
}

/** The servers beyond web-1, each with its own dockerd, sshd and host keys. */
export const FLEET_SERVERS: readonly FleetServerDef[] = [
  {
    name: 'db-1',
    role: 'database',
    environment: 'production',
    colour: 'magenta',
    hostAlias: 'opsdeck-lab-db',
    defaultPort: 22026,
    portEnv: 'OPSDECK_LAB_DB_SSH_PORT',
  },
  {
    name: 'staging-1',
    role: 'staging',
    environment: 'staging',
    colour: 'yellow',
    hostAlias: 'opsdeck-lab-staging',
    defaultPort: 22027,
    portEnv: 'OPSDECK_LAB_STAGING_SSH_PORT',
  },
];

export const ALL_SERVERS: readonly ServerDef[] = [WEB_SERVER, ...FLEET_SERVERS];

/** The fleet's group in profile stores (`opsdeck --group shop`). */
export const FLEET_GROUP = 'shop';

export function fleetPort(def: ServerDef, env: NodeJS.ProcessEnv = process.env): number {
  return portFromEnv(def.portEnv, def.defaultPort, env);
}

export function fleetServer(name: string): FleetServerDef {
  const def = FLEET_SERVERS.find((s) => s.name === name);
  if (!def) throw new Error(`no fleet server named ${name} (the fleet: ${ALL_SERVERS.map((s) => s.name).join(', ')})`);
  return def;
}
