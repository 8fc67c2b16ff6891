// `lab up`: bring the stand-in servers to their known state: web-1 (dockerd, sshd, dropbear,
// the 28-container stack) and, in parallel with it, the fleet servers db-1 and staging-1
// (fleet-up.ts). Every step checks before it acts, so a second run with everything in place
// only looks, and reports.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { LAB_HOST, SSH_HOST_ALIAS, UNLOCK_HOST_ALIAS, writeClientConfig } from './client-config.js';
import { reconcileContainers, waitForSettled, type ReconcileReport } from './containers.js';
import { execInContainer } from './docker-exec.js';
import { startDockerd } from './dockerd.js';
import { setUpDropbear, startDropbear } from './dropbear.js';
import { ensureBusyboxImage, ensurePostgresImage, IMAGE_ALIASES, POSTGRES_IMAGE, postgresRootfsTag, pruneOldLabImages } from './images.js';
import { acquireLabLock } from './lab-lock.js';
import { previousSecrets, writeLabInfo, type LabInfo } from './lab-info.js';
import { labPaths, labPorts, type LabPaths } from './paths.js';
import { DEPLOY_USER, ensureDockerGroup, ensurePackages, ensureUser, requireRootOnDebian, UNLOCK_USER, userIds } from './preflight.js';
import { setUpSshd, startSshd } from './sshd.js';
import { DB_CONTAINER, DB_VOLUME, labStack, PROJECTS, type ContainerSpec } from './stack.js';
import { FLEET_SERVERS, fleetPort } from './fleet.js';
import { fleetServerInfo, setUpFleetSshds, startFleetSshd, upFleetEngine } from './fleet-up.js';
import { DEFAULT_DEVICES, resetUnlockState, unlockStateMatches } from './unlock-state.js';

const SEED_SQL = join(dirname(fileURLToPath(import.meta.url)), 'seed', 'shop.sql');
/** What seed/shop.sql guarantees; checked after every `up`. */
export const SEED_ROWS = { customers: 2000, products: 250, orders: 5000, order_items: 12500, stripe_events: 300 };

export type Log = (line: string) => void;

export interface UpResult {
  info: LabInfo;
  report: ReconcileReport;
  started: string[];
  seconds: number;
}

function newSecrets(): { postgresPassword: string; passphrase: string } {
  return {
    postgresPassword: randomBytes(18).toString('base64url'),
    // Spaces, quotes and a dollar sign: a passphrase that breaks anything quoting it carelessly.
    passphrase: `lab unlock ${randomBytes(6).toString('hex')} "quoted" $HOME`,
  };
}

/** The seed goes in a lab-owned dir mounted into postgres; its hash keys the data volume. */
function stageSeed(paths: LabPaths, postgresPassword: string): string {
  mkdirSync(paths.postgresInitDir, { recursive: true, mode: 0o755 });
  const target = join(paths.postgresInitDir, '10-shop.sql');
  copyFileSync(SEED_SQL, target);
  chmodSync(target, 0o644);
  return createHash('sha256').update(readFileSync(SEED_SQL)).update(postgresPassword).digest('hex').slice(0, 16);
}

export async function checkSeed(docker: Docker, container: string): Promise<void> {
  const query = Object.keys(SEED_ROWS)
    .map((table) => `SELECT '${table}', count(*) FROM ${table}`)
    .join(' UNION ALL ');
  const result = await execInContainer(docker, container, ['psql', '-U', 'shop', '-d', 'shop', '-tA', '-F', ' ', '-c', query]);
  if (result.code !== 0) throw new Error(`the shop database is not readable: ${result.stderr.trim()}`);
  const counts = Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split(' ')));
  for (const [table, rows] of Object.entries(SEED_ROWS)) {
    if (Number(counts[table]) !== rows) {
      throw new Error(`table ${table} has ${counts[table] ?? 'no'} rows, expected ${rows}: run npm run lab -- down --volumes, then up`);
    }
  }
}

function expectedContainers(specs: ContainerSpec[]): LabInfo['containers'] {
  return specs.map((s) => ({
    name: s.name,
    project: s.project,
    service: s.service,
    number: s.number,
    oneoff: s.oneoff,
    image: s.image,
    expect: s.expect,
    hasHealthcheck: s.health !== null,
    memory: s.memory,
    nanoCpus: s.nanoCpus,
    restartPolicy: s.restart,
    ports: s.ports,
    roles: s.roles,
  }));
}

/** Wait for every promise; then throw the first failure (after all have stopped working). */
async function allSettledOrThrow<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export async function labUp(log: Log): Promise<UpResult> {
  const t0 = Date.now();
  requireRootOnDebian();
  const paths = labPaths();
  const ports = labPorts();
  // Read every port now: a bad OPSDECK_LAB_*_PORT fails before anything starts.
  for (const def of FLEET_SERVERS) fleetPort(def);
  const release = acquireLabLock(paths.lockFile);
  try {
    mkdirSync(paths.labDir, { recursive: true, mode: 0o755 });
    // The unlock user runs the stand-in script from inside the lab dir.
    chmodSync(paths.labDir, 0o755);
    const installed = await ensurePackages(log);
    if (installed.length) log(`installed ${installed.join(', ')}`);
    await ensureDockerGroup();
    await ensureUser(DEPLOY_USER, { shell: '/bin/bash', groups: ['docker'] });
    await ensureUser(UNLOCK_USER, { shell: '/bin/sh' });
    const secrets = previousSecrets(paths.labJson) ?? newSecrets();
    const seedHash = stageSeed(paths, secrets.postgresPassword);
    const started: string[] = [];

    // web-1's Engine and images; db-1 copies the PostgreSQL image from it when it has none.
    const mainEngine = (async () => {
      const dockerd = await startDockerd(paths, log);
      if (dockerd.started) {
        started.push(`dockerd (pid ${dockerd.pid})`);
        log(`dockerd answering (pid ${dockerd.pid})`);
      }
      return new Docker({ socketPath: paths.dockerSocket });
    })();
    // The PostgreSQL rootfs can take a minute to build: set up the SSH side meanwhile.
    const postgresImage = mainEngine.then((docker) => ensurePostgresImage(docker, paths, log));
    const busyboxImage = mainEngine.then((docker) => ensureBusyboxImage(docker, paths, log));

    // The fleet servers' Engines and stacks, beside web-1's and at the same time.
    const fleetEngines = FLEET_SERVERS.map((def) =>
      upFleetEngine(def, {
        lab: paths,
        log,
        postgresPassword: secrets.postgresPassword,
        seedHash,
        mainPostgresImage: async () => ({ docker: await mainEngine, tag: (await postgresImage).tag }),
        checkSeed,
      }),
    );

    const sshReady = (async () => {
      // Every server's host keys first: the client config pins them all.
      const [sshdSetup, fleetSshd] = await Promise.all([setUpSshd(paths, ports.sshd), setUpFleetSshds(paths)]);
      const sshd = await startSshd(paths, ports.sshd, { restart: sshdSetup.configChanged, onStale: log });
      if (sshd.started) started.push(`sshd (pid ${sshd.pid})`);
      for (const setup of fleetSshd) {
        const fleet = await startFleetSshd(setup, log);
        if (fleet.started) started.push(`${setup.def.name} sshd (pid ${fleet.pid})`);
      }
      const dropbearSetup = await setUpDropbear(paths);
      const dropbear = await startDropbear(paths, ports.dropbear, log);
      if (dropbear.started) started.push(`dropbear (pid ${dropbear.pid})`);
      writeClientConfig(
        paths,
        { port: ports.sshd, hostKeys: sshdSetup.hostKeys },
        { port: ports.dropbear, hostKeys: dropbearSetup.hostKeys },
        fleetSshd.map((f) => ({ hostAlias: f.def.hostAlias, port: f.port, hostKeys: f.hostKeys, knownHosts: f.paths.knownHosts })),
      );
      if (!unlockStateMatches(paths.unlockStateDir, secrets.passphrase)) {
        resetUnlockState(paths.unlockStateDir, await userIds(UNLOCK_USER), { passphrase: secrets.passphrase });
      }
      return { sshdSetup, dropbearSetup, fleetSshd };
    })();

    const mainStack = (async () => {
      const [docker, busybox, postgres] = await Promise.all([mainEngine, busyboxImage, postgresImage]);
      const specs = labStack({ postgresPassword: secrets.postgresPassword, postgresInitDir: paths.postgresInitDir });
      const imageIds: Record<string, string> = Object.fromEntries(IMAGE_ALIASES.map((tag) => [tag, busybox.id]));
      imageIds[POSTGRES_IMAGE] = postgres.id;
      const report = await reconcileContainers(docker, specs, imageIds, { shop_postgres_data: seedHash }, log);
      const changed = report.created.length + report.recreated.length + report.started.length;
      if (changed) log(`containers: ${report.created.length} created, ${report.recreated.length} recreated, ${report.started.length} started; waiting for health checks`);
      await waitForSettled(docker, specs, 180_000);
      if (changed) log('every container is in its intended state');
      await checkSeed(docker, 'shop-postgres-1');
      await pruneOldLabImages(docker, [busybox.tag, postgres.tag, postgresRootfsTag()]);
      return { docker, specs, imageIds, report, version: await docker.version() };
    })();

    const [{ specs, imageIds, report, version }, { sshdSetup, dropbearSetup, fleetSshd }, ...fleet] = await allSettledOrThrow([
      mainStack,
      sshReady,
      ...fleetEngines,
    ] as const);
    for (const up of fleet) started.push(...up.started);

    const postgresInfo = {
      container: 'shop-postgres-1',
      image: POSTGRES_IMAGE,
      database: 'shop',
      user: 'shop',
      password: secrets.postgresPassword,
      volume: 'shop_postgres_data',
      rows: SEED_ROWS,
    };
    const info: LabInfo = {
      schema: 2,
      labDir: paths.labDir,
      updatedAt: new Date().toISOString(),
      docker: {
        socketPath: paths.dockerSocket,
        host: `unix://${paths.dockerSocket}`,
        engineVersion: version.Version,
        apiVersion: version.ApiVersion,
      },
      sshd: {
        host: LAB_HOST,
        port: ports.sshd,
        user: DEPLOY_USER,
        privateKeyPath: paths.deployKey,
        knownHostsPath: paths.knownHosts,
        sshConfigPath: paths.sshConfig,
        hostAlias: SSH_HOST_ALIAS,
        hostKeys: sshdSetup.hostKeys,
        sshWrapperDir: paths.sshWrapperDir,
      },
      dropbear: {
        host: LAB_HOST,
        port: ports.dropbear,
        user: UNLOCK_USER,
        privateKeyPath: paths.unlockKey,
        knownHostsPath: paths.dropbearKnownHosts,
        hostAlias: UNLOCK_HOST_ALIAS,
        hostKeys: dropbearSetup.hostKeys,
        unlockCommand: paths.unlockScript,
        passphrase: secrets.passphrase,
        defaultDevices: DEFAULT_DEVICES,
      },
      postgres: postgresInfo,
      projects: [...PROJECTS],
      images: imageIds,
      containers: expectedContainers(specs),
      fleet: fleet.map((up) => {
        const sshd = fleetSshd.find((f) => f.def.name === up.def.name);
        if (!sshd) throw new Error(`no sshd set up for ${up.def.name}`);
        return fleetServerInfo(
          up,
          sshd,
          {
            host: LAB_HOST,
            user: DEPLOY_USER,
            privateKeyPath: paths.deployKey,
            sshConfigPath: paths.sshConfig,
            postgres: { ...postgresInfo, container: DB_CONTAINER, volume: DB_VOLUME },
          },
          expectedContainers,
        );
      }),
    };
    writeLabInfo(paths.labJson, info);
    return { info, report, started, seconds: (Date.now() - t0) / 1000 };
  } finally {
    release();
  }
}
