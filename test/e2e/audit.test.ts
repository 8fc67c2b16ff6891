// `opsdeck audit` against the lab's own server: deploy over the lab's sshd (no sudo there, so the
// host rows say they need root), and the real Compose stack on the lab's dockerd, judged with the
// grid's models: the stack publishes Redis on 0.0.0.0, so the audit fails with exit 1.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';

const REPO = path.resolve(import.meta.dirname, '../..');

function opsdeck(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bin/opsdeck.ts'), ...args], { cwd: REPO, env: { PATH: process.env.PATH, HOME: '/nonexistent-home' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('audit on the lab server', () => {
  let lab: LabInfo;
  beforeAll(async () => {
    lab = await requireLab();
  });

  it('fails on a port published on all interfaces, with the evidence and both fixes, and warns per service', async () => {
    const r = await opsdeck(['audit', '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; rows: { id: string; status: string; detail: string; evidence: { command: string; output: string }[]; fix?: string }[] };
    expect(report.ok).toBe(false);
    const ports = report.rows.find((x) => x.id === 'published-ports')!;
    expect(ports.status).toBe('fail');
    expect(ports.detail).toContain('shop-redis-1: 6379/tcp (Redis) is published on port 6379 on all interfaces');
    expect(ports.evidence.map((e) => e.output)).toContain('0.0.0.0:6379 -> 6379/tcp');
    expect(ports.fix).toMatch(/127\.0\.0\.1/);
    expect(ports.fix).toMatch(/DOCKER-USER/);
    const grafana = report.rows.find((x) => x.id === 'service:compose:monitoring/grafana')!;
    expect(grafana.status).toBe('warn');
    expect(grafana.detail).toContain('image grafana/grafana:latest');
    // The lab's deploy user has no sudo: the host checks say so instead of guessing.
    expect(report.rows.find((x) => x.id === 'sshd')).toMatchObject({ status: 'warn', detail: expect.stringContaining('needs root') });
    const text = await opsdeck(['audit', '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FAIL {2}published ports: shop-redis-1/);
  });
});
