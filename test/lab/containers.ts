// Makes the lab's Engine hold exactly the containers of stack.ts, in the states they promise.
//
// Each container carries a hash of its full create request (and image id) in the label
// `opsdeck-lab.spec`; Compose containers also get it as com.docker.compose.config-hash, which
// is what Compose itself uses to spot drift. A container whose hash differs is recreated, a
// missing one created, one in the wrong state started or stopped; the rest are left alone, so
// a second `lab up` changes nothing.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { COMPOSE_VERSION, type ContainerSpec } from './stack.js';
import { sleep } from './processes.js';

export const SPEC_LABEL = 'opsdeck-lab.spec';
export const VOLUME_LABEL = 'opsdeck-lab.volume';

type CreateBody = Docker.ContainerCreateOptions & { name: string };

function composeLabels(spec: ContainerSpec): Record<string, string> {
  if (!spec.project || !spec.service) return {};
  const dir = `/srv/${spec.project}`;
  const labels: Record<string, string> = {
    'com.docker.compose.project': spec.project,
    'com.docker.compose.service': spec.service,
    'com.docker.compose.container-number': String(spec.number),
    'com.docker.compose.oneoff': spec.oneoff ? 'True' : 'False',
    'com.docker.compose.project.working_dir': dir,
    'com.docker.compose.project.config_files': `${dir}/docker-compose.yml`,
    'com.docker.compose.version': COMPOSE_VERSION,
  };
  if (spec.dependsOn.length) labels['com.docker.compose.depends_on'] = spec.dependsOn.map((d) => `${d}:false`).join(',');
  if (spec.slug) labels['com.docker.compose.slug'] = spec.slug;
  return labels;
}

const seconds = (s: number) => s * 1_000_000_000;

function createBody(spec: ContainerSpec): CreateBody {
  const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  const exposed: Record<string, object> = {};
  for (const p of spec.ports) {
    (portBindings[p.container] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort });
    exposed[p.container] = {};
  }
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.cmd.length ? { Cmd: spec.cmd } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: composeLabels(spec),
    ExposedPorts: exposed,
    ...(spec.health
      ? {
          Healthcheck: {
            Test: spec.health.test,
            Interval: seconds(spec.health.intervalS),
            Timeout: seconds(spec.health.timeoutS),
            Retries: spec.health.retries,
            StartPeriod: seconds(spec.health.startPeriodS),
          },
        }
      : {}),
    HostConfig: {
      Memory: spec.memory,
      NanoCpus: spec.nanoCpus,
      RestartPolicy: { Name: spec.restart, MaximumRetryCount: 0 },
      PortBindings: portBindings,
      Mounts: [
        ...Object.entries(spec.volumes).map(([source, target]) => ({ Type: 'volume' as const, Source: source, Target: target })),
        ...Object.entries(spec.binds).map(([source, target]) => ({ Type: 'bind' as const, Source: source, Target: target, ReadOnly: true })),
      ],
    },
  };
}

/** The create request with its hash labels filled in. */
export function desiredContainer(spec: ContainerSpec, imageId: string): { body: CreateBody; hash: string } {
  const body = createBody(spec);
  const hash = createHash('sha256').update(JSON.stringify({ body, imageId })).digest('hex');
  body.Labels = { ...body.Labels, [SPEC_LABEL]: hash };
  if (spec.project) body.Labels['com.docker.compose.config-hash'] = hash;
  return { body, hash };
}

async function inspectOrNull(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/**
 * Named volumes with a fingerprint of what initialised them (for postgres: the seed SQL).
 * Volume labels cannot change, so a different fingerprint means: drop the volume and its users.
 */
async function ensureVolumes(docker: Docker, specs: ContainerSpec[], fingerprints: Record<string, string>, log: (l: string) => void): Promise<void> {
  for (const spec of specs) {
    for (const name of Object.keys(spec.volumes)) {
      const want = fingerprints[name] ?? '';
      let current: Docker.VolumeInspectInfo | null = null;
      try {
        current = await docker.getVolume(name).inspect();
      } catch {
        current = null;
      }
      if (current && (current.Labels?.[VOLUME_LABEL] ?? '') === want) continue;
      if (current) {
        log(`volume ${name} was made from other seed data: recreating it`);
        const users = await docker.listContainers({ all: true, filters: { volume: [name] } });
        for (const user of users) await docker.getContainer(user.Id).remove({ force: true });
        await docker.getVolume(name).remove();
      }
      const labels: Record<string, string> = { [VOLUME_LABEL]: want };
      if (spec.project) {
        labels['com.docker.compose.project'] = spec.project;
        labels['com.docker.compose.volume'] = name.replace(`${spec.project}_`, '');
        labels['com.docker.compose.version'] = COMPOSE_VERSION;
      }
      await docker.createVolume({ Name: name, Labels: labels });
    }
  }
}

async function bringToState(docker: Docker, spec: ContainerSpec, info: Docker.ContainerInspectInfo): Promise<string | null> {
  const container = docker.getContainer(spec.name);
  const status = info.State.Status;
  if (status === 'paused') await container.unpause();
  if (spec.expect.state === 'exited') {
    if (status === 'created') {
      await container.start();
      if (!spec.stopAfterStart) return 'started';
      await sleep(1500); // let it log its start-up lines, as a service stopped later would have
      await container.stop({ t: 10 });
      return 'started and stopped';
    }
    if (spec.stopAfterStart && (info.State.Running || info.State.Restarting)) {
      await container.stop({ t: 10 });
      return 'stopped';
    }
    return null;
  }
  if (!info.State.Running && !info.State.Restarting) {
    await container.start();
    return 'started';
  }
  return null;
}

/** `docker update` changes limits and restart policy without touching labels: compare them too. */
function drifted(spec: ContainerSpec, info: Docker.ContainerInspectInfo): boolean {
  const host = info.HostConfig;
  return host.Memory !== spec.memory || host.NanoCpus !== spec.nanoCpus || host.RestartPolicy?.Name !== spec.restart;
}

export interface ReconcileReport {
  created: string[];
  recreated: string[];
  started: string[];
  removed: string[];
}

export async function reconcileContainers(
  docker: Docker,
  specs: ContainerSpec[],
  imageIds: Record<string, string>,
  volumeFingerprints: Record<string, string>,
  log: (line: string) => void,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { created: [], recreated: [], started: [], removed: [] };
  await ensureVolumes(docker, specs, volumeFingerprints, log);

  const wanted = new Set(specs.map((s) => s.name));
  for (const c of await docker.listContainers({ all: true, filters: { label: [SPEC_LABEL] } })) {
    const name = c.Names[0]?.replace(/^\//, '') ?? c.Id;
    if (!wanted.has(name)) {
      await docker.getContainer(c.Id).remove({ force: true });
      report.removed.push(name);
    }
  }

  // A few at a time: dockerd serialises much of this anyway, and two cores are all CI has.
  await eachLimited(specs, 4, async (spec) => {
    const imageId = imageIds[spec.image];
    if (!imageId) throw new Error(`no image ${spec.image} for ${spec.name}`);
    const { body, hash } = desiredContainer(spec, imageId);
    let info = await inspectOrNull(docker, spec.name);
    if (info && (info.Config.Labels?.[SPEC_LABEL] !== hash || info.State.Status === 'dead' || drifted(spec, info))) {
      await docker.getContainer(spec.name).remove({ force: true });
      report.recreated.push(spec.name);
      info = null;
    } else if (!info) {
      report.created.push(spec.name);
    }
    if (!info) {
      await docker.createContainer(body);
      info = await docker.getContainer(spec.name).inspect();
    }
    const did = await bringToState(docker, spec, info);
    if (did && !report.created.includes(spec.name) && !report.recreated.includes(spec.name)) report.started.push(spec.name);
  });
  return report;
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** Why a container is not (yet) in the state its spec promises; null when it is. */
export function unmetExpectation(spec: ContainerSpec, info: Docker.ContainerInspectInfo | null): string | null {
  if (!info) return 'missing';
  const s = info.State;
  const health = (s as { Health?: { Status?: string } }).Health?.Status ?? null;
  switch (spec.expect.state) {
    case 'running':
      if (!s.Running || s.Restarting) return `is ${s.Status}, expected running`;
      if (spec.expect.health && health !== spec.expect.health) return `health is ${health ?? 'none'}, expected ${spec.expect.health}`;
      return null;
    case 'crash-loop':
      return info.RestartCount >= 1 ? null : `RestartCount is ${info.RestartCount}, expected it to climb`;
    case 'exited':
      if (s.Status !== 'exited') return `is ${s.Status}, expected exited`;
      return s.ExitCode === spec.expect.exitCode ? null : `exit code ${s.ExitCode}, expected ${spec.expect.exitCode}`;
  }
}

/** Wait until every container meets its expectation (health checks need a few intervals). */
export async function waitForSettled(docker: Docker, specs: ContainerSpec[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const unmet: string[] = [];
    for (const spec of specs) {
      const why = unmetExpectation(spec, await inspectOrNull(docker, spec.name));
      if (why) unmet.push(`${spec.name} ${why}`);
    }
    if (unmet.length === 0) return;
    if (Date.now() > deadline) throw new Error(`containers did not settle in ${timeoutMs / 1000}s: ${unmet.join('; ')}`);
    await sleep(1000);
  }
}

/** Remove the containers the lab made (by label); anything else on the Engine is left alone. */
export async function removeLabContainers(docker: Docker): Promise<{ removed: number; others: number }> {
  const all = await docker.listContainers({ all: true });
  const ours = all.filter((c) => c.Labels?.[SPEC_LABEL] !== undefined);
  await eachLimited(ours, 4, (c) => docker.getContainer(c.Id).remove({ force: true }));
  return { removed: ours.length, others: all.length - ours.length };
}
