import { describe, expect, it } from 'vitest';
import { composeIdentity, cpuLimitCores, parseDockerTime, portBindings, serviceKey } from '../../src/docker/container.js';
import { MASK } from '../../src/docker/secret-mask.js';
import { GiB, view } from './fixtures/load.js';

describe('containerFromInspect', () => {
  it('reads a healthy Compose replica', () => {
    const api = view('inspect-api-2.json');
    expect(api).toMatchObject({
      id: 'b2d0f5a8c3e9146f7b0d2a5c8e3f9b146d7a0c3f5e8b2d9a4c7f0e3b6d9a2c5f',
      shortId: 'b2d0f5a8c3e9',
      name: 'shop-api-2',
      project: 'shop',
      service: 'api',
      replica: 2,
      oneoff: false,
      state: 'running',
      health: 'healthy',
      hasHealthcheck: true,
      restartCount: 0,
      restartPolicy: { name: 'unless-stopped', maxRetries: 0 },
      startedAt: Date.parse('2024-03-01T09:12:46.001Z'),
      finishedAt: null,
      memLimit: 2 * GiB,
      cpuLimitCores: 1,
      imageFlags: [],
      ports: [],
    });
    expect(api.image).toMatchObject({ name: 'ghcr.io/acme/shop-api', tag: '1.4.2' });
    expect(api.healthLog).toHaveLength(3);
    expect(api.healthLog[2]).toEqual({
      startedAt: Date.parse('2024-03-04T09:59:00.311Z'),
      endedAt: Date.parse('2024-03-04T09:59:00.412Z'),
      exitCode: 0,
      output: '{"status":"ok","db":"up","redis":"up"}',
    });
  });

  it('masks the environment on the way in and keeps no raw secret anywhere in the view', () => {
    const api = view('inspect-api-1.json');
    const env = Object.fromEntries(api.env.map((e) => [e.key, e.value]));
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      PORT: '8000',
      DATABASE_URL: MASK,
      REDIS_URL: `redis://${MASK}@redis:6379/0`,
      JWT_SECRET: MASK,
      SENTRY_DSN: MASK,
      STRIPE_PUBLISHABLE_KEY: MASK,
      TOKEN_TTL: '3600',
    });
    const json = JSON.stringify(api);
    for (const secret of ['s3cr3t-Pa55', 'r3d1s-pw', '8f7e6d5c4b3a29180f7e6d5c4b3a2918', '4f2c1a9b8e7d4c3b']) expect(json).not.toContain(secret);
  });

  it('reads an unhealthy database with its health-check history, mounts and configured ports', () => {
    const db = view('inspect-db-1.json');
    expect(db.health).toBe('unhealthy');
    expect(db.failingStreak).toBe(4);
    expect(db.healthLog.map((h) => h.exitCode)).toEqual([-1, 2, 2, 2, 2]);
    // Trailing newlines trimmed; the text itself kept.
    expect(db.healthLog[4]!.output).toBe('/var/run/postgresql:5432 - no response');
    expect(db.cpuLimitCores).toBeNull();
    expect(db.memLimit).toBe(4 * GiB);
    // Configured bindings (HostConfig), not the two live ones Docker made of "" (0.0.0.0 and ::).
    expect(db.ports).toEqual([{ containerPort: 5432, protocol: 'tcp', hostIp: '', hostPort: '5432' }]);
    expect(db.mounts).toEqual([
      { type: 'volume', name: 'shop_pgdata', source: '/var/lib/docker/volumes/shop_pgdata/_data', destination: '/var/lib/postgresql/data', readOnly: false },
      { type: 'bind', name: null, source: '/opt/shop/secrets/pg_password', destination: '/run/secrets/pg_password', readOnly: true },
    ]);
    const env = Object.fromEntries(db.env.map((e) => [e.key, e.value]));
    expect(env.POSTGRES_PASSWORD).toBe(MASK);
    expect(env.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/pg_password');
  });

  it('reads a restarting worker limited by CpuQuota/CpuPeriod', () => {
    const w = view('inspect-worker-1.json');
    expect(w).toMatchObject({ state: 'restarting', health: 'none', hasHealthcheck: false, restartCount: 7, exitCode: 1, cpuLimitCores: 0.5, memLimit: GiB, imageFlags: ['latest'] });
    expect(w.restartPolicy.name).toBe('always');
  });

  it('reads a one-off `compose run` container', () => {
    expect(view('inspect-api-run.json')).toMatchObject({ project: 'shop', service: 'api', oneoff: true, state: 'exited', exitCode: 1, restartPolicy: { name: 'no' } });
  });

  it('reads a container outside Compose', () => {
    const p = view('inspect-portainer.json');
    expect(p).toMatchObject({ name: 'portainer', project: null, service: null, replica: null, oneoff: false, imageFlags: ['untagged'], memLimit: null, cpuLimitCores: null });
  });

  it('copes with the nulls of Docker 20.10', () => {
    const old = view('inspect-old-engine.json');
    expect(old).toMatchObject({
      name: 'nightly-backup-test',
      labels: {},
      env: [],
      mounts: [],
      ports: [],
      state: 'exited',
      exitCode: 2,
      restartPolicy: { name: 'no', maxRetries: 0 },
      health: 'none',
      healthLog: [],
      startedAt: Date.parse('2023-11-02T14:21:08.120Z'),
      finishedAt: Date.parse('2023-11-02T14:21:09.004Z'),
    });
    expect(old.imageFlags).toEqual(['untagged']);
  });
});

describe('composeIdentity and serviceKey', () => {
  it('reads Compose labels, accepting True/true for one-offs', () => {
    expect(composeIdentity({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api', 'com.docker.compose.container-number': '3', 'com.docker.compose.oneoff': 'False' })).toEqual({ project: 'shop', service: 'api', replica: 3, oneoff: false });
    expect(composeIdentity({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api', 'com.docker.compose.oneoff': 'true' }).oneoff).toBe(true);
    expect(composeIdentity({})).toEqual({ project: null, service: null, replica: null, oneoff: false });
    // A service label without a project is not enough to place a container.
    expect(composeIdentity({ 'com.docker.compose.service': 'api' }).service).toBeNull();
  });

  it('keys services so events and inspect agree', () => {
    expect(serviceKey({ project: 'shop', service: 'api', oneoff: false }, 'shop-api-1')).toBe('compose:shop/api');
    expect(serviceKey({ project: 'shop', service: 'api', oneoff: true }, 'shop-api-run-1')).toBe('oneoff:shop/api');
    expect(serviceKey({ project: null, service: null, oneoff: false }, 'portainer')).toBe('other:portainer');
  });
});

describe('limits, times and ports', () => {
  it('prefers NanoCpus and reads CpuQuota with the default period', () => {
    expect(cpuLimitCores({ NanoCpus: 1_500_000_000 })).toBe(1.5);
    expect(cpuLimitCores({ NanoCpus: 2e9, CpuQuota: 50_000, CpuPeriod: 100_000 })).toBe(2);
    expect(cpuLimitCores({ CpuQuota: 150_000, CpuPeriod: 100_000 })).toBe(1.5);
    expect(cpuLimitCores({ CpuQuota: 25_000, CpuPeriod: 0 })).toBe(0.25);
    expect(cpuLimitCores({ CpuQuota: -1, CpuPeriod: 100_000 })).toBeNull();
    expect(cpuLimitCores({})).toBeNull();
  });

  it('parses Docker timestamps with nanoseconds and its zero time', () => {
    expect(parseDockerTime('2024-03-01T09:12:45.628113307Z')).toBe(Date.parse('2024-03-01T09:12:45.628Z'));
    expect(parseDockerTime('2024-03-04T10:00:00.1+01:00')).toBe(Date.parse('2024-03-04T09:00:00.100Z'));
    expect(parseDockerTime('0001-01-01T00:00:00Z')).toBeNull();
    expect(parseDockerTime('')).toBeNull();
    expect(parseDockerTime('garbage')).toBeNull();
  });

  it('flattens port maps, skipping exposed-only ports', () => {
    expect(
      portBindings({
        '443/udp': [{ HostIp: '', HostPort: '443' }],
        '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '80' }, { HostIp: '::', HostPort: '80' }],
        '2019/tcp': null,
        'bogus': [{ HostIp: '', HostPort: '1' }],
      }),
    ).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: '80' },
      { containerPort: 80, protocol: 'tcp', hostIp: '::', hostPort: '80' },
      { containerPort: 443, protocol: 'udp', hostIp: '', hostPort: '443' },
    ]);
  });
});
