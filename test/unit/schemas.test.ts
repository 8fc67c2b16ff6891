import { describe, expect, it } from 'vitest';
import {
  ContainerInspectSchema,
  ContainerListSchema,
  ContainerStatsSchema,
  DockerEventSchema,
  DockerInfoSchema,
  DockerVersionSchema,
} from '../../src/docker/schemas.js';
import { fixture } from './fixtures/load.js';

describe('Docker API schemas', () => {
  it('accept inspect output from Docker 24 and keep fields they do not name', () => {
    const db = ContainerInspectSchema.parse(fixture('inspect-db-1.json'));
    expect(db.State?.Health?.Status).toBe('unhealthy');
    expect(db.HostConfig?.PortBindings?.['5432/tcp']).toEqual([{ HostIp: '', HostPort: '5432' }]);
    expect((db as Record<string, unknown>).GraphDriver).toBeDefined();
  });

  it('accept the nulls Docker 20.10 writes instead of empty objects', () => {
    const old = ContainerInspectSchema.parse(fixture('inspect-old-engine.json'));
    expect(old.Config?.Labels).toBeNull();
    expect(old.Mounts).toBeNull();
    expect(old.HostConfig?.PortBindings).toBeNull();
    expect(old.State?.Health).toBeUndefined();
  });

  it('accept container lists, both stats shapes, events, /info and /version', () => {
    expect(ContainerListSchema.parse(fixture('container-list.json'))).toHaveLength(3);
    const v1 = ContainerStatsSchema.parse(fixture('stats-v1-a.json'));
    expect(v1.cpu_stats?.cpu_usage?.percpu_usage).toHaveLength(4);
    expect(v1.memory_stats?.stats?.total_inactive_file).toBeGreaterThan(0);
    const v2 = ContainerStatsSchema.parse(fixture('stats-v2-a.json'));
    expect(v2.cpu_stats?.cpu_usage?.percpu_usage).toBeUndefined();
    expect(v2.memory_stats?.stats?.anon).toBeGreaterThan(0);
    expect(ContainerStatsSchema.parse(fixture('stats-stopped.json')).memory_stats).toEqual({});
    const events = (fixture('events-worker-loop.json') as unknown[]).map((e) => DockerEventSchema.parse(e));
    expect(events.map((e) => e.Action)).toContain('health_status: unhealthy');
    const info = DockerInfoSchema.parse(fixture('info.json'));
    expect([info.ServerVersion, info.NCPU, info.CgroupVersion, info.DockerRootDir]).toEqual(['24.0.9', 8, '2', '/var/lib/docker']);
    expect(DockerVersionSchema.parse(fixture('version.json')).ApiVersion).toBe('1.43');
  });

  it('reject what is not a container at all', () => {
    expect(ContainerInspectSchema.safeParse({ message: 'No such container: x' }).success).toBe(false);
    expect(ContainerInspectSchema.safeParse({ Id: 'abc', State: { Running: 'yes' } }).success).toBe(false);
  });
});
