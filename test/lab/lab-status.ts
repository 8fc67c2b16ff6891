// `lab status`: is each daemon running (pid alive, and it answers), where, and how many
// containers the Engine holds. Stale pid files found on the way are cleaned, and said so.
import Docker from 'dockerode';
import { dockerdPid, pingDocker } from './dockerd.js';
import { dropbearPid } from './dropbear.js';
import { readLabInfo } from './lab-info.js';
import { labPaths, labPorts, type LabPaths, type LabPorts } from './paths.js';
import { requireRootOnDebian } from './preflight.js';
import { sshdPid } from './sshd.js';
import { readSshBanner } from './ssh-keys.js';

export interface DaemonStatus {
  name: 'dockerd' | 'sshd' | 'dropbear';
  running: boolean;
  /** The pid is alive and the daemon answered (socket ping / SSH banner). */
  answering: boolean;
  pid: number | null;
  address: string;
}

export interface LabStatus {
  labDir: string;
  daemons: DaemonStatus[];
  containers: { total: number; running: number } | null;
  stale: string[];
}

/** Ports the lab was brought up with (lab.json), else what `up` would use now. */
function portsInUse(paths: LabPaths): LabPorts {
  try {
    const info = readLabInfo(paths.labJson);
    return { sshd: info.sshd.port, dropbear: info.dropbear.port };
  } catch {
    return labPorts();
  }
}

export async function labStatus(): Promise<LabStatus> {
  // Without root, /proc/PID/exe of the daemons is unreadable and every pid file would look stale.
  requireRootOnDebian();
  const paths = labPaths();
  const ports = portsInUse(paths);
  const stale: string[] = [];
  const note = (m: string) => stale.push(m);

  const dockerPid = dockerdPid(paths, note);
  const sshPid = sshdPid(paths, note);
  const dbPid = dropbearPid(paths, note);
  const daemons: DaemonStatus[] = [
    { name: 'dockerd', running: dockerPid !== null, answering: dockerPid !== null && (await pingDocker(paths.dockerSocket)), pid: dockerPid, address: `unix://${paths.dockerSocket}` },
    { name: 'sshd', running: sshPid !== null, answering: sshPid !== null && (await readSshBanner(ports.sshd)) !== null, pid: sshPid, address: `127.0.0.1:${ports.sshd}` },
    { name: 'dropbear', running: dbPid !== null, answering: dbPid !== null && (await readSshBanner(ports.dropbear)) !== null, pid: dbPid, address: `127.0.0.1:${ports.dropbear}` },
  ];
  let containers: LabStatus['containers'] = null;
  if (daemons[0]?.answering) {
    const list = await new Docker({ socketPath: paths.dockerSocket }).listContainers({ all: true });
    containers = { total: list.length, running: list.filter((c) => c.State === 'running').length };
  }
  return { labDir: paths.labDir, daemons, containers, stale };
}

export function formatStatus(status: LabStatus): string[] {
  const lines = status.stale.map((s) => `note: ${s}`);
  for (const d of status.daemons) {
    const state = d.answering ? 'running' : d.running ? 'running (not answering)' : 'stopped';
    lines.push(`${d.name.padEnd(9)} ${state.padEnd(24)} ${d.pid ? `pid ${d.pid}`.padEnd(11) : ''.padEnd(11)} ${d.address}`);
  }
  lines.push(status.containers ? `containers ${status.containers.total} (${status.containers.running} running)` : 'containers -');
  lines.push(`lab dir   ${status.labDir}`);
  return lines;
}

export function isLabUp(status: LabStatus): boolean {
  return status.daemons.every((d) => d.answering);
}
