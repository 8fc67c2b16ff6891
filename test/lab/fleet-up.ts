// `lab up` for the fleet servers (db-1, staging-1): each its own dockerd, sshd, host keys and
// stack, brought up beside web-1 and in parallel with it. Like the rest of `up`, every step
// checks before it acts: a second run with everything in place only looks.
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Docker from 'dockerode';
import { reconcileContainers, removeLabContainers, VOLUME_LABEL, waitForSettled, type ReconcileReport } from './containers.js';
import { dockerdPid, pingDocker, startDockerd, stopDockerd } from './dockerd.js';
import { FLEET_SERVERS, fleetPort, type FleetServerDef } from './fleet.js';
import { copyImage, ensureBusyboxImage, IMAGE_ALIASES, imageId, POSTGRES_IMAGE, postgresImageTag, pruneOldLabImages, tagImage } from './images.js';
import type { FleetServerInfo } from './lab-info.js';
import { serverPaths, type LabPaths, type ServerPaths } from './paths.js';
import { sshdPid, setUpServerSshd, startSshd, stopSshd } from './sshd.js';
import type { HostKey } from './ssh-keys.js';
import { readSshBanner } from './ssh-keys.js';
import { DB_CONTAINER, DB_VOLUME, dbServerStack, stagingStack, type ContainerSpec } from './stack.js';

type Log = (line: string) => void;

export interface FleetSshdSetup {
  def: FleetServerDef;
  paths: ServerPaths;
  port: number;
  hostKeys: HostKey[];
  configChanged: boolean;
}

/** Host keys and sshd_config of every fleet server: quick, and the client config needs the keys. */
export async function setUpFleetSshds(lab: LabPaths): Promise<FleetSshdSetup[]> {
  return Promise.all(
    FLEET_SERVERS.map(async (def) => {
      const paths = serverPaths(lab, def.name);
      const port = fleetPort(def);
      const { hostKeys, configChanged } = await setUpServerSshd(paths, port, { name: def.name, dockerSocket: paths.dockerSocket });
      return { def, paths, port, hostKeys, configChanged };
    }),
  );
}

export async function startFleetSshd(setup: FleetSshdSetup, log: Log): Promise<{ pid: number; started: boolean }> {
  return startSshd(setup.paths, setup.port, { restart: setup.configChanged, onStale: log, portEnv: setup.def.portEnv });
}

export interface FleetEngineContext {
  lab: LabPaths;
  log: Log;
  postgresPassword: string;
  /** Fingerprint of the seed (and password) that initialised a database volume. */
  seedHash: string;
  /** web-1's Engine and its PostgreSQL image, once built: db-1 copies it from there. */
  mainPostgresImage: () => Promise<{ docker: Docker; tag: string }>;
  /** Checks the shop seed's row counts in a container (lab-up.ts's checkSeed). */
  checkSeed: (docker: Docker, container: string) => Promise<void>;
}

export interface FleetEngineResult {
  def: FleetServerDef;
  paths: ServerPaths;
  started: string[];
  report: ReconcileReport;
  specs: ContainerSpec[];
  images: Record<string, string>;
  engineVersion: string;
  apiVersion: string;
}

/** The server's own run dir sits inside web-1's (RUNDIR/NAME): both must let `deploy` through. */
function prepareRunDir(paths: ServerPaths): void {
  mkdirSync(paths.runDir, { recursive: true, mode: 0o755 });
  chmodSync(dirname(paths.runDir), 0o755);
}

/** One fleet server's Engine, images and containers, up to the intended state. */
export async function upFleetEngine(def: FleetServerDef, ctx: FleetEngineContext): Promise<FleetEngineResult> {
  const paths = serverPaths(ctx.lab, def.name);
  const log: Log = (line) => ctx.log(`${def.name}: ${line}`);
  const started: string[] = [];
  prepareRunDir(paths);
  const dockerd = await startDockerd(paths, log);
  if (dockerd.started) {
    started.push(`${def.name} dockerd (pid ${dockerd.pid})`);
    log(`dockerd answering (pid ${dockerd.pid})`);
  }
  const docker = new Docker({ socketPath: paths.dockerSocket });

  let specs: ContainerSpec[];
  const images: Record<string, string> = {};
  const fingerprints: Record<string, string> = {};
  const keep: string[] = [];
  if (def.role === 'database') {
    // The image web-1's Engine builds, copied once (it then lives in this server's data root).
    const tag = postgresImageTag();
    let id = await imageId(docker, tag);
    if (!id) {
      const main = await ctx.mainPostgresImage();
      const t0 = Date.now();
      log(`copying ${tag} from web-1's Engine (docker save | docker load)`);
      id = await copyImage(main.docker, docker, main.tag);
      log(`image loaded in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
    await tagImage(docker, id, [POSTGRES_IMAGE]);
    images[POSTGRES_IMAGE] = id;
    keep.push(tag);
    specs = dbServerStack({ postgresPassword: ctx.postgresPassword, postgresInitDir: ctx.lab.postgresInitDir });
    fingerprints[DB_VOLUME] = ctx.seedHash;
  } else {
    // 2 MB, built in about a second: quicker than waiting for web-1's and copying it.
    const busybox = await ensureBusyboxImage(docker, { buildDir: paths.buildDir }, log);
    for (const alias of IMAGE_ALIASES) images[alias] = busybox.id;
    keep.push(busybox.tag);
    specs = stagingStack();
  }

  const report = await reconcileContainers(docker, specs, images, fingerprints, log);
  const changed = report.created.length + report.recreated.length + report.started.length;
  if (changed) log(`containers: ${report.created.length} created, ${report.recreated.length} recreated, ${report.started.length} started; waiting for health checks`);
  await waitForSettled(docker, specs, 180_000);
  if (changed) log('every container is in its intended state');
  if (def.role === 'database') await ctx.checkSeed(docker, DB_CONTAINER);
  await pruneOldLabImages(docker, keep);
  const version = await docker.version();
  return { def, paths, started, report, specs, images, engineVersion: version.Version, apiVersion: version.ApiVersion };
}

/** `lab down` for one fleet server: its containers (and with volumes, its volumes), dockerd, sshd. */
export async function downFleetServer(lab: LabPaths, def: FleetServerDef, log: Log, opts: { volumes?: boolean } = {}): Promise<void> {
  const paths = serverPaths(lab, def.name);
  const say: Log = (line) => log(`${def.name}: ${line}`);
  if (dockerdPid(paths, say) !== null) {
    const docker = new Docker({ socketPath: paths.dockerSocket });
    const { removed, others } = await removeLabContainers(docker);
    say(`removed ${removed} lab containers${others ? `; left ${others} containers the lab did not make` : ''}`);
    if (opts.volumes) {
      const { Volumes } = await docker.listVolumes({ filters: { label: [VOLUME_LABEL] } });
      for (const volume of Volumes ?? []) await docker.getVolume(volume.Name).remove();
      say(`removed ${Volumes?.length ?? 0} lab volumes`);
    }
    await stopDockerd(paths);
    say('stopped dockerd');
  }
  if (sshdPid(paths, say) !== null) {
    await stopSshd(paths, { dropSessions: true });
    say('stopped sshd');
  }
}

export interface FleetDaemonState {
  dockerdPid: number | null;
  dockerdAnswering: boolean;
  sshdPid: number | null;
  sshdAnswering: boolean;
}

/** Is each of the server's two daemons alive (pid file checked against /proc) and answering? */
export async function fleetDaemonState(paths: ServerPaths, port: number, onStale?: Log): Promise<FleetDaemonState> {
  const dPid = dockerdPid(paths, onStale);
  const sPid = sshdPid(paths, onStale);
  return {
    dockerdPid: dPid,
    dockerdAnswering: dPid !== null && (await pingDocker(paths.dockerSocket)),
    sshdPid: sPid,
    sshdAnswering: sPid !== null && (await readSshBanner(port)) !== null,
  };
}

export function fleetServerInfo(
  up: FleetEngineResult,
  sshd: FleetSshdSetup,
  common: { host: string; user: string; privateKeyPath: string; sshConfigPath: string; postgres: FleetServerInfo['postgres'] },
  expected: (specs: ContainerSpec[]) => FleetServerInfo['containers'],
): FleetServerInfo {
  return {
    name: up.def.name,
    role: up.def.role as FleetServerInfo['role'],
    environment: up.def.environment,
    colour: up.def.colour,
    docker: {
      socketPath: up.paths.dockerSocket,
      host: `unix://${up.paths.dockerSocket}`,
      engineVersion: up.engineVersion,
      apiVersion: up.apiVersion,
      dataRoot: up.paths.dockerDataRoot,
    },
    sshd: {
      host: common.host,
      port: sshd.port,
      user: common.user,
      privateKeyPath: common.privateKeyPath,
      knownHostsPath: up.paths.knownHosts,
      sshConfigPath: common.sshConfigPath,
      hostAlias: up.def.hostAlias,
      hostKeys: sshd.hostKeys,
    },
    postgres: up.def.role === 'database' ? common.postgres : null,
    projects: [...new Set(up.specs.map((s) => s.project).filter((p): p is string => p !== null))],
    images: up.images,
    containers: expected(up.specs),
  };
}
