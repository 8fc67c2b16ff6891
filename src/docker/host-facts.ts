import type Dockerode from 'dockerode';
import { DockerInfoSchema, DockerVersionSchema } from './schemas.js';
import type { ExecResult } from '../transport/exec-types.js';
import { parseDockerTime } from './container.js';
import { sanitise } from '../text/sanitise.js';

/** The grid header's facts about the server itself. */
export interface HostFacts {
  name: string;
  engineVersion: string;
  apiVersion: string;
  os: string;
  cpus: number;
  memTotal: number;
  dockerRootDir: string;
  /** Server clock minus ours, ms: uptimes and event times are on the server's clock. */
  clockSkewMs: number;
  uptimeSec: number | null;
  load: [number, number, number] | null;
  /** Of the file system holding Docker's data root. */
  disk: { usedBytes: number; totalBytes: number; percent: number } | null;
}

type Exec = (argv: readonly string[], opts?: { timeoutMs?: number }) => Promise<ExecResult>;

/**
 * /info and /version through the Docker API, then one small command on the server for uptime,
 * load and the data root's disk use (the API knows none of these). If the command cannot run
 * (no shell access, a locked-down user) the header simply shows less.
 *
 * With `known` (facts read earlier on the same connection) only the command runs: the engine,
 * its CPUs and memory do not change under a running daemon, and /info is one of dockerd's
 * dearer calls (it counts images and asks the storage driver).
 */
export async function readHostFacts(docker: Dockerode, exec: Exec, known?: HostFacts): Promise<HostFacts> {
  if (known) return { ...known, ...(await probeHost(exec, known.dockerRootDir)) };
  const askedAt = Date.now();
  const [infoRaw, versionRaw] = await Promise.all([docker.info(), docker.version()]);
  const info = DockerInfoSchema.parse(infoRaw);
  const version = DockerVersionSchema.parse(versionRaw);
  const serverTime = parseDockerTime(info.SystemTime);
  const root = info.DockerRootDir ?? '/var/lib/docker';
  const facts: HostFacts = {
    name: sanitise(info.Name ?? ''),
    engineVersion: sanitise(version.Version ?? info.ServerVersion ?? '?'),
    apiVersion: sanitise(version.ApiVersion ?? '?'),
    os: sanitise(info.OperatingSystem ?? ''),
    cpus: info.NCPU ?? 0,
    memTotal: info.MemTotal ?? 0,
    dockerRootDir: sanitise(root),
    clockSkewMs: serverTime === null ? 0 : serverTime - (askedAt + Date.now()) / 2,
    uptimeSec: null,
    load: null,
    disk: null,
  };
  return { ...facts, ...(await probeHost(exec, root)) };
}

async function probeHost(exec: Exec, root: string): Promise<Pick<HostFacts, 'uptimeSec' | 'load' | 'disk'>> {
  try {
    const r = await exec(['sh', '-c', 'cat /proc/uptime /proc/loadavg; df -P -k -- "$1"', 'opsdeck-facts', root], { timeoutMs: 5000 });
    return parseHostProbe(r.stdout);
  } catch {
    // The header shows what the API alone could tell.
    return { uptimeSec: null, load: null, disk: null };
  }
}

/** Parse `cat /proc/uptime /proc/loadavg; df -P -k DIR`. Pure, for tests. */
export function parseHostProbe(out: string): Pick<HostFacts, 'uptimeSec' | 'load' | 'disk'> {
  const lines = out.split('\n');
  const uptime = Number.parseFloat(lines[0]?.split(/\s+/)[0] ?? '');
  const loadParts = (lines[1] ?? '').split(/\s+/).slice(0, 3).map(Number);
  const load = loadParts.length === 3 && loadParts.every((n) => Number.isFinite(n)) ? (loadParts as [number, number, number]) : null;
  let disk: HostFacts['disk'] = null;
  const dfRow = lines.slice(2).find((l) => /^\S+\s+\d+\s+\d+\s+\d+\s+\d+%/.test(l));
  if (dfRow) {
    const [, total, used, avail] = dfRow.split(/\s+/).map(Number);
    if (total && used !== undefined && avail !== undefined) {
      // df's Use% is used / (used + available): reserved blocks are not usable, so neither here.
      disk = { totalBytes: total * 1024, usedBytes: used * 1024, percent: (used / Math.max(1, used + avail)) * 100 };
    }
  }
  return { uptimeSec: Number.isFinite(uptime) ? uptime : null, load, disk };
}
