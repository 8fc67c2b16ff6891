// `lab status`: is each daemon of each server running (pid alive, and it answers), where, and
// how many containers each Engine holds. Stale pid files found on the way are cleaned, and said so.
import Docker from 'dockerode';
import { dockerdPid, pingDocker } from './dockerd.js';
import { dropbearPid } from './dropbear.js';
import { FLEET_SERVERS, fleetPort, type ServerName } from './fleet.js';
import { fleetDaemonState } from './fleet-up.js';
import { readLabInfo, type LabInfo } from './lab-info.js';
import { labPaths, labPorts, serverPaths, type LabPaths, type LabPorts } from './paths.js';
import { requireRootOnDebian } from './preflight.js';
import { sshdPid } from './sshd.js';
import { readSshBanner } from './ssh-keys.js';

export interface DaemonStatus {
  /** The server it belongs to: web-1 (dockerd, sshd, dropbear), db-1 or staging-1 (dockerd, sshd). */
  server: ServerName;
  name: 'dockerd' | 'sshd' | 'dropbear';
  running: boolean;
  /** The pid is alive and the daemon answered (socket ping / SSH banner). */
  answering: boolean;
  pid: number | null;
  address: string;
}

export interface ContainerCount {
  total: number;
  running: number;
}

export interface LabStatus {
  labDir: string;
  daemons: DaemonStatus[];
  /** web-1's Engine. */
  containers: ContainerCount | null;
  /** Every server's Engine, web-1 first (null when its dockerd does not answer). */
  servers: Array<{ name: ServerName; socketPath: string; containers: ContainerCount | null }>;
  stale: string[];
}

function labJson(paths: LabPaths): LabInfo | null {
  try {
    return readLabInfo(paths.labJson);
  } catch {
    return null;
  }
}

/** Ports the lab was brought up with (lab.json), else what `up` would use now. */
function portsInUse(info: LabInfo | null): LabPorts & { fleet: Record<string, number> } {
  if (info) {
    return { sshd: info.sshd.port, dropbear: info.dropbear.port, fleet: Object.fromEntries(info.fleet.map((s) => [s.name, s.sshd.port])) };
  }
  let fleet: Record<string, number> = {};
  try {
    fleet = Object.fromEntries(FLEET_SERVERS.map((def) => [def.name, fleetPort(def)]));
  } catch {
    // A bad port variable: status reports with the defaults rather than failing.
    fleet = Object.fromEntries(FLEET_SERVERS.map((def) => [def.name, def.defaultPort]));
  }
  return { ...labPorts(), fleet };
}

async function countContainers(socketPath: string, answering: boolean): Promise<ContainerCount | null> {
  if (!answering) return null;
  const list = await new Docker({ socketPath }).listContainers({ all: true });
  return { total: list.length, running: list.filter((c) => c.State === 'running').length };
}

export async function labStatus(): Promise<LabStatus> {
  // Without root, /proc/PID/exe of the daemons is unreadable and every pid file would look stale.
  requireRootOnDebian();
  const paths = labPaths();
  const ports = portsInUse(labJson(paths));
  const stale: string[] = [];
  const note = (m: string) => stale.push(m);

  const dockerPid = dockerdPid(paths, note);
  const sshPid = sshdPid(paths, note);
  const dbPid = dropbearPid(paths, note);
  const daemons: DaemonStatus[] = [
    { server: 'web-1', name: 'dockerd', running: dockerPid !== null, answering: dockerPid !== null && (await pingDocker(paths.dockerSocket)), pid: dockerPid, address: `unix://${paths.dockerSocket}` },
    { server: 'web-1', name: 'sshd', running: sshPid !== null, answering: sshPid !== null && (await readSshBanner(ports.sshd)) !== null, pid: sshPid, address: `127.0.0.1:${ports.sshd}` },
    { server: 'web-1', name: 'dropbear', running: dbPid !== null, answering: dbPid !== null && (await readSshBanner(ports.dropbear)) !== null, pid: dbPid, address: `127.0.0.1:${ports.dropbear}` },
  ];
  const servers: LabStatus['servers'] = [{ name: 'web-1', socketPath: paths.dockerSocket, containers: await countContainers(paths.dockerSocket, daemons[0]!.answering) }];
  for (const def of FLEET_SERVERS) {
    const sp = serverPaths(paths, def.name);
    const port = ports.fleet[def.name] ?? def.defaultPort;
    const state = await fleetDaemonState(sp, port, note);
    daemons.push(
      { server: def.name, name: 'dockerd', running: state.dockerdPid !== null, answering: state.dockerdAnswering, pid: state.dockerdPid, address: `unix://${sp.dockerSocket}` },
      { server: def.name, name: 'sshd', running: state.sshdPid !== null, answering: state.sshdAnswering, pid: state.sshdPid, address: `127.0.0.1:${port}` },
    );
    servers.push({ name: def.name, socketPath: sp.dockerSocket, containers: await countContainers(sp.dockerSocket, state.dockerdAnswering) });
  }
  return { labDir: paths.labDir, daemons, containers: servers[0]!.containers, servers, stale };
}

export function formatStatus(status: LabStatus): string[] {
  const lines = status.stale.map((s) => `note: ${s}`);
  for (const d of status.daemons) {
    const state = d.answering ? 'running' : d.running ? 'running (not answering)' : 'stopped';
    lines.push(`${d.server.padEnd(10)} ${d.name.padEnd(9)} ${state.padEnd(24)} ${d.pid ? `pid ${d.pid}`.padEnd(11) : ''.padEnd(11)} ${d.address}`);
  }
  for (const s of status.servers) {
    lines.push(`${s.name.padEnd(10)} containers ${s.containers ? `${s.containers.total} (${s.containers.running} running)` : '-'}`);
  }
  lines.push(`lab dir    ${status.labDir}`);
  return lines;
}

export function isLabUp(status: LabStatus): boolean {
  return status.daemons.every((d) => d.answering);
}
