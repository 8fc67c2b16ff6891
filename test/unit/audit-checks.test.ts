import { describe, expect, it } from 'vitest';
import { auditReport } from '../../src/audit/audit-row.js';
import { AuditStore, visibleRows } from '../../src/audit/audit-store.js';
import { exposureRow, hasNoNewPrivileges, serviceRow, type AuditedContainer } from '../../src/audit/container-checks.js';
import { auditText } from '../../src/audit/audit-text.js';
import { containerFromInspect } from '../../src/docker/container.js';
import { groupContainers } from '../../src/model/grouping.js';
import { ContainerInspectSchema } from '../../src/docker/schemas.js';

function container(name: string, o: { ports?: Record<string, { HostIp: string; HostPort: string }[]>; image?: string; memory?: number; health?: boolean; restart?: string; secopt?: string[] } = {}): AuditedContainer {
  const raw = ContainerInspectSchema.parse({
    Id: `${name}0000000000000000`,
    Name: `/${name}`,
    State: { Status: 'running', Running: true, StartedAt: '2026-01-01T00:00:00Z' },
    Config: { Image: o.image ?? 'postgres:16', Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': name, 'com.docker.compose.container-number': '1' }, ...(o.health ? { Healthcheck: { Test: ['CMD', 'true'] } } : {}) },
    HostConfig: { Memory: o.memory ?? 0, RestartPolicy: { Name: o.restart ?? 'unless-stopped' }, PortBindings: o.ports ?? {} },
  });
  return { view: containerFromInspect(raw), securityOpt: o.secopt ?? [] };
}

describe('container checks on the grid models', () => {
  it('fails a database published on 0.0.0.0 and lets 80/443 and loopback pass', () => {
    const ok = [container('caddy', { ports: { '443/tcp': [{ HostIp: '0.0.0.0', HostPort: '443' }] } }), container('db', { ports: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '5432' }] } })];
    expect(exposureRow(ok).status).toBe('pass');
    const bad = exposureRow([...ok, container('redis', { ports: { '6379/tcp': [{ HostIp: '', HostPort: '6379' }] } })]);
    expect(bad.status).toBe('fail');
    expect(bad.detail).toContain('redis: 6379/tcp (Redis) is published');
    expect(bad.fix).toMatch(/DOCKER-USER/);
  });

  it('judges one service: restart policy, healthcheck, memory limit, pinned tag, no-new-privileges', () => {
    const good = container('api', { image: 'ghcr.io/a/api:1.2.3', memory: 512 * 1024 * 1024, health: true, secopt: ['no-new-privileges:true'] });
    const bad = container('worker', { image: 'ghcr.io/a/worker:latest', restart: 'no' });
    const all = [good, bad];
    const byId = new Map(all.map((c) => [c.view.id, c]));
    const services = groupContainers({ containers: all.map((c) => c.view), now: Date.now() }).flatMap((g) => g.services);
    const rows = services.map((s) => serviceRow(s, byId));
    expect(rows.map((r) => [r.title, r.status])).toEqual([['shop/api', 'pass'], ['shop/worker', 'warn']]);
    expect(rows[1]!.detail).toBe('no restart policy, no healthcheck, no memory limit, image ghcr.io/a/worker:latest, no no-new-privileges');
    expect(hasNoNewPrivileges(['no-new-privileges'])).toBe(true);
  });

  it('exit status follows fails only, and the text shows evidence and fix under problems', async () => {
    const rows = [
      { id: 'a', group: 'SSH', title: 'x', status: 'pass' as const, detail: 'fine', evidence: [{ command: 'sshd -T', output: 'x no' }] },
      { id: 'b', group: 'Firewall', title: 'ufw', status: 'warn' as const, detail: 'extra port', evidence: [{ command: 'ufw status verbose', output: 'Status: active' }], fix: 'ufw delete allow 8080' },
    ];
    const r = auditReport('web-1', rows);
    expect(r.ok).toBe(true);
    const text = auditText(r);
    expect(text).toContain('WARN  ufw: extra port\n        $ ufw status verbose\n          Status: active\n        fix: ufw delete allow 8080');
    expect(text).not.toContain('$ sshd -T');
    expect(auditReport('x', [{ ...rows[0]!, status: 'fail' }]).ok).toBe(false);

    const store = new AuditStore(async () => r);
    const seen: number[] = [];
    const unsub = store.subscribe(() => seen.push(1));
    await new Promise((res) => setTimeout(res, 0));
    expect(store.getSnapshot().status).toBe('ready');
    store.actions.move(5);
    expect(store.getSnapshot().selected).toBe(1);
    store.actions.toggleProblemsOnly();
    expect(visibleRows(store.getSnapshot()).map((x) => x.id)).toEqual(['b']);
    unsub();
  });
});
