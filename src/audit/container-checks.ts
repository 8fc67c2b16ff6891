/**
 * The seeds' production compose practice, per running service, from the same models the grid
 * uses (containerFromInspect, groupContainers, portWarnings, imageFlags): nothing published on
 * 0.0.0.0 / [::] but 80/443 (Docker's own iptables rules put published ports in front of ufw),
 * and per service a restart policy, a healthcheck, a memory limit, a pinned image tag and
 * no-new-privileges.
 */
import type Dockerode from 'dockerode';
import { ContainerInspectSchema } from '../docker/schemas.js';
import { containerFromInspect, type ContainerView } from '../docker/container.js';
import { groupContainers, type ServiceRow } from '../model/grouping.js';
import { displayTag } from '../docker/image-ref.js';
import { portWarnings } from '../model/port-exposure.js';
import { formatBytes } from '../render/bytes.js';
import { sanitise } from '../text/sanitise.js';
import type { AuditRow } from './audit-row.js';

export interface AuditedContainer {
  view: ContainerView;
  /** HostConfig.SecurityOpt (not part of the grid's view). */
  securityOpt: string[];
}

export async function readContainers(docker: Dockerode): Promise<AuditedContainer[]> {
  const list = await docker.listContainers({ all: true });
  const out: AuditedContainer[] = [];
  let i = 0;
  const worker = async () => {
    while (i < list.length) {
      const id = list[i++]!.Id;
      try {
        const raw = await docker.getContainer(id).inspect();
        const parsed = ContainerInspectSchema.safeParse(raw);
        if (!parsed.success) continue;
        const sec = (parsed.data.HostConfig as { SecurityOpt?: unknown } | null | undefined)?.SecurityOpt;
        out.push({ view: containerFromInspect(parsed.data), securityOpt: Array.isArray(sec) ? sec.filter((x): x is string => typeof x === 'string').map((x) => sanitise(x)) : [] });
      } catch {
        // Removed between list and inspect.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, list.length) }, worker));
  return out;
}

export function hasNoNewPrivileges(securityOpt: readonly string[]): boolean {
  return securityOpt.some((o) => o === 'no-new-privileges' || o === 'no-new-privileges:true' || o === 'no-new-privileges=true');
}

function serviceName(s: ServiceRow): string {
  return s.project ? `${s.project}/${s.service}` : s.service;
}

export function exposureRow(containers: readonly AuditedContainer[]): AuditRow {
  const running = containers.filter((c) => c.view.state === 'running' || c.view.state === 'restarting');
  const found = running.flatMap((c) => portWarnings(c.view.ports).map((w) => ({ c: c.view, w })));
  const evidence = found.map(({ c, w }) => ({ command: `docker inspect ${c.name} (HostConfig.PortBindings)`, output: `${w.binding.hostIp || '0.0.0.0'}:${w.binding.hostPort || '(random)'} -> ${w.binding.containerPort}/${w.binding.protocol}` }));
  if (!found.length) {
    return { id: 'published-ports', group: 'Containers', title: 'published ports', status: 'pass', detail: `nothing but 80/443 is published on all interfaces (${running.length} running containers)`, evidence: [{ command: 'docker inspect (HostConfig.PortBindings of every running container)', output: 'no public bindings besides 80/443' }] };
  }
  return {
    id: 'published-ports',
    group: 'Containers',
    title: 'published ports',
    status: 'fail',
    detail: found.map(({ c, w }) => `${c.name}: ${w.message}`).join('; '),
    evidence,
    fix:
      "Docker writes its own iptables rules ahead of ufw, so these ports are open to the internet whatever ufw says. Bind them to loopback in the compose file (ports: ['127.0.0.1:5432:5432'], or drop ports: and use the compose network), or filter in the DOCKER-USER chain: iptables -I DOCKER-USER -i eth0 -p tcp --dport PORT -j DROP.",
  };
}

export function serviceRow(s: ServiceRow, byId: ReadonlyMap<string, AuditedContainer>): AuditRow {
  const containers = s.replicas.map((r) => byId.get(r.container.id)).filter((c): c is AuditedContainer => c !== undefined);
  const misses: string[] = [];
  const fixes: string[] = [];
  const first = containers[0]?.view;
  const policies = [...new Set(containers.map((c) => c.view.restartPolicy.name))];
  if (policies.some((p) => p === 'no')) {
    misses.push('no restart policy');
    fixes.push('restart: unless-stopped');
  }
  if (containers.some((c) => !c.view.hasHealthcheck)) {
    misses.push('no healthcheck');
    fixes.push('healthcheck: {test: [...], interval: 30s}');
  }
  if (containers.some((c) => c.view.memLimit === null)) {
    misses.push('no memory limit');
    fixes.push('deploy.resources.limits.memory (or mem_limit)');
  }
  const flags = [...new Set(containers.flatMap((c) => c.view.imageFlags))];
  if (flags.length) {
    misses.push(flags.includes('latest') ? `image ${first?.image.name}:latest` : `image ${first?.image.name} without a tag (latest)`);
    fixes.push('a pinned tag (or @sha256 digest)');
  }
  if (containers.some((c) => !hasNoNewPrivileges(c.securityOpt))) {
    misses.push('no no-new-privileges');
    fixes.push('security_opt: [no-new-privileges:true]');
  }
  const c0 = containers[0];
  const evidence = c0
    ? [
        {
          command: `docker inspect ${c0.view.name}`,
          output: [
            `RestartPolicy=${c0.view.restartPolicy.name}`,
            `Healthcheck=${c0.view.hasHealthcheck ? 'yes' : 'none'}`,
            `Memory=${c0.view.memLimit === null ? '0 (no limit)' : formatBytes(c0.view.memLimit)}`,
            `Image=${c0.view.image.raw} (tag ${displayTag(c0.view.image)})`,
            `SecurityOpt=${c0.securityOpt.length ? c0.securityOpt.join(',') : '(none)'}`,
          ].join('\n'),
        },
      ]
    : [];
  return {
    id: `service:${s.key}`,
    group: 'Containers',
    title: serviceName(s),
    status: misses.length ? 'warn' : 'pass',
    detail: misses.length ? misses.join(', ') : 'restart policy, healthcheck, memory limit, pinned tag, no-new-privileges',
    evidence,
    ...(fixes.length ? { fix: `In the compose file for ${s.service}: ${fixes.join('; ')}.` } : {}),
  };
}

export async function containerRows(docker: Dockerode, now: number): Promise<AuditRow[]> {
  let containers: AuditedContainer[];
  try {
    containers = await readContainers(docker);
  } catch (err) {
    return [{ id: 'docker-api', group: 'Containers', title: 'containers', status: 'warn', detail: `not checked: the Docker API did not answer (${sanitise((err as Error)?.message ?? String(err))})`, evidence: [], fix: 'Is dockerd running, and may the login user use its socket (docker group)?' }];
  }
  const byId = new Map(containers.map((c) => [c.view.id, c]));
  const groups = groupContainers({ containers: containers.map((c) => c.view), now });
  const rows: AuditRow[] = [exposureRow(containers)];
  for (const g of groups) for (const s of g.services) if (s.running > 0) rows.push(serviceRow(s, byId));
  return rows;
}
