/**
 * The fleet the benchmark watches: the lab's three servers (web-1, db-1, staging-1), each with
 * its own sshd and dockerd on loopback, saved as profiles in group `shop` of a profile store in
 * the staged bundle's directory (test/lab/api.ts writeFleetProfiles), and opened as an operator
 * opens them: `opsdeck --config PROFILES --ssh-config LAB --group shop`.
 */
import path from 'node:path';
import { labServers, serverDocker, writeFleetProfiles, type LabInfo, type LabServer } from '../../test/lab/api.js';
import type { Opsdeck } from '../grid/setup.js';

export const GROUP = 'shop';

export interface BenchServer {
  name: LabServer['name'];
  hostAlias: string;
  port: number;
}

export interface Fleet {
  servers: BenchServer[];
  /** argv of the fleet TUI. */
  argv: string[];
  /** The same, as the README shows it. */
  shown: string;
  profiles: string;
}

export function stageFleet(lab: LabInfo, ops: Opsdeck): Fleet {
  const ls = labServers(lab);
  if (ls.length < 3) throw new Error(`the lab has ${ls.length} server(s), not the fleet of three: run npm run lab -- up`);
  const profiles = writeFleetProfiles(path.join(ops.dir, 'fleet-profiles.json'));
  const sshConfig = ls[0]!.sshConfigPath;
  const nodeFlags = ops.start.slice(1, -1);
  return {
    servers: ls.map((s) => ({ name: s.name, hostAlias: s.hostAlias, port: s.port })),
    argv: [...ops.start, '--config', profiles, '--ssh-config', sshConfig, '--group', GROUP],
    shown: ['node', ...nodeFlags, 'opsdeck.mjs', '--config', 'PROFILES', '--ssh-config', sshConfig, '--group', GROUP].join(' '),
    profiles,
  };
}

/** "web-1 28, db-1 2, staging-1 12": containers on each server's own Engine, for the facts line. */
export async function containersPerServer(fleet: Fleet): Promise<string> {
  const counts = await Promise.all(fleet.servers.map(async (s) => `${s.name} ${(await serverDocker(s.name).listContainers({ all: true })).length}`));
  return counts.join(', ');
}

/** argv of `docker -H ssh://ALIAS ARGS…` (the lab's ssh wrapper, first in PATH, adds its ssh_config). */
export function dockerSshArgvFor(alias: string, ...args: string[]): string[] {
  return ['docker', '-H', `ssh://${alias}`, ...args];
}
