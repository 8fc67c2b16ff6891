/**
 * The services that use a database, for a live restore: stopped before, started after, and
 * watched until healthy. Configured by name (compose service or container name); by default
 * the containers whose compose `depends_on` label names the database's service. Everything is
 * done by container id through the Docker API.
 */
import type Dockerode from 'dockerode';
import { ContainerInspectSchema, ContainerListSchema, type ContainerSummary } from '../docker/schemas.js';
import { sanitise } from '../text/sanitise.js';

export interface DependentContainer {
  id: string;
  name: string;
  /** Whether it was running before we stopped it (only those are started again). */
  wasRunning: boolean;
}

/** compose v2 writes `depends_on` as "db:service_healthy:false,redis:service_started:false". */
export function dependsOn(labels: Record<string, string> | null | undefined, service: string): boolean {
  const v = labels?.['com.docker.compose.depends_on'];
  if (!v) return false;
  return v.split(',').some((entry) => entry.split(':')[0] === service);
}

export function selectDependents(list: readonly ContainerSummary[], pg: { service: string; project: string | undefined; container: string }, configured: readonly string[] | undefined): ContainerSummary[] {
  const name = (c: ContainerSummary) => (c.Names?.[0] ?? '').replace(/^\//, '');
  const project = (c: ContainerSummary) => c.Labels?.['com.docker.compose.project'];
  const service = (c: ContainerSummary) => c.Labels?.['com.docker.compose.service'];
  const notDb = (c: ContainerSummary) => name(c) !== pg.container && c.Labels?.['opsdeck.scratch'] !== 'true';
  if (configured) {
    return list.filter(
      (c) => notDb(c) && configured.some((want) => name(c) === want || (service(c) === want && (pg.project === undefined || project(c) === pg.project))),
    );
  }
  return list.filter((c) => notDb(c) && (pg.project === undefined || project(c) === pg.project) && dependsOn(c.Labels, pg.service));
}

export async function findDependents(docker: Dockerode, pg: { service: string; project: string | undefined; container: string }, configured: readonly string[] | undefined): Promise<DependentContainer[]> {
  const list = ContainerListSchema.parse(await docker.listContainers({ all: true }));
  return selectDependents(list, pg, configured).map((c) => ({
    id: c.Id,
    name: sanitise((c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '')),
    wasRunning: c.State === 'running' || c.State === 'restarting',
  }));
}

export async function stopContainers(docker: Dockerode, containers: readonly DependentContainer[]): Promise<void> {
  await Promise.all(containers.filter((c) => c.wasRunning).map((c) => docker.getContainer(c.id).stop({ t: 30 }).catch(ignoreNotModified)));
}

export async function startContainers(docker: Dockerode, containers: readonly DependentContainer[]): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(
    containers
      .filter((c) => c.wasRunning)
      .map((c) =>
        docker
          .getContainer(c.id)
          .start()
          .catch((err: unknown) => {
            if (!isNotModified(err)) failed.push(c.name);
          }),
      ),
  );
  return failed;
}

export type HealthVerdict = { name: string; state: 'healthy' | 'running' | 'unhealthy' | 'not running' | 'starting' };

/** Poll until every container is healthy (or running, without a health check), or time runs out. */
export async function waitHealthy(docker: Dockerode, containers: readonly DependentContainer[], timeoutMs: number, pollMs = 1000): Promise<HealthVerdict[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const verdicts = await Promise.all(containers.filter((c) => c.wasRunning).map((c) => healthOf(docker, c)));
    const settled = verdicts.every((v) => v.state === 'healthy' || v.state === 'running');
    if (settled || Date.now() >= deadline) return verdicts;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function healthOf(docker: Dockerode, c: DependentContainer): Promise<HealthVerdict> {
  const info = ContainerInspectSchema.safeParse(await docker.getContainer(c.id).inspect().catch(() => undefined));
  if (!info.success || !info.data.State?.Running) return { name: c.name, state: 'not running' };
  const h = info.data.State.Health?.Status;
  if (!h || h === 'none') return { name: c.name, state: 'running' };
  return { name: c.name, state: h === 'healthy' ? 'healthy' : h === 'starting' ? 'starting' : 'unhealthy' };
}

function isNotModified(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 304;
}

function ignoreNotModified(err: unknown): void {
  if (!isNotModified(err)) throw err;
}
