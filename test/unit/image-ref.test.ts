import { describe, expect, it } from 'vitest';
import { displayTag, imageFlags, parseImageRef } from '../../src/docker/image-ref.js';

describe('parseImageRef', () => {
  it.each([
    ['postgres:16', { registry: 'docker.io', repository: 'library/postgres', name: 'postgres', tag: '16', digest: null }],
    ['redis', { registry: 'docker.io', repository: 'library/redis', name: 'redis', tag: null, digest: null }],
    ['pgvector/pgvector:pg17', { registry: 'docker.io', repository: 'pgvector/pgvector', name: 'pgvector/pgvector', tag: 'pg17' }],
    ['ghcr.io/acme/shop-api:1.4.2', { registry: 'ghcr.io', repository: 'acme/shop-api', name: 'ghcr.io/acme/shop-api', tag: '1.4.2' }],
    ['localhost:5000/tools', { registry: 'localhost:5000', repository: 'tools', tag: null }],
    ['registry.example.com:5000/team/app:2.0-rc1', { registry: 'registry.example.com:5000', repository: 'team/app', tag: '2.0-rc1' }],
    ['localhost/app:dev', { registry: 'localhost', repository: 'app', tag: 'dev' }],
    ['ghcr.io/acme/api@sha256:' + 'a'.repeat(64), { registry: 'ghcr.io', tag: null, digest: 'sha256:' + 'a'.repeat(64) }],
    ['nginx:1.25@sha256:' + 'b'.repeat(64), { name: 'nginx', tag: '1.25', digest: 'sha256:' + 'b'.repeat(64) }],
  ])('%s', (raw, expected) => {
    expect(parseImageRef(raw)).toMatchObject({ raw, isId: false, ...expected });
  });

  it('recognises containers created from an image ID', () => {
    expect(parseImageRef('sha256:' + 'c'.repeat(64))).toMatchObject({ isId: true, tag: null });
    expect(parseImageRef('d'.repeat(64)).isId).toBe(true);
    // A short hex-looking name is still a name.
    expect(parseImageRef('deadbeef').isId).toBe(false);
  });
});

describe('imageFlags', () => {
  it('flags explicit :latest and a missing tag', () => {
    expect(imageFlags(parseImageRef('ghcr.io/acme/shop-worker:latest'))).toEqual(['latest']);
    expect(imageFlags(parseImageRef('portainer/portainer-ce'))).toEqual(['untagged']);
    expect(imageFlags(parseImageRef('localhost:5000/tools'))).toEqual(['untagged']);
  });

  it('does not flag pinned or versioned images', () => {
    expect(imageFlags(parseImageRef('postgres:16'))).toEqual([]);
    expect(imageFlags(parseImageRef('app:latest@sha256:' + 'e'.repeat(64)))).toEqual([]);
    expect(imageFlags(parseImageRef('sha256:' + 'c'.repeat(64)))).toEqual([]);
  });

  it('shows a short tag for narrow columns', () => {
    expect(displayTag(parseImageRef('redis:7-alpine'))).toBe('7-alpine');
    expect(displayTag(parseImageRef('redis'))).toBe('latest');
    expect(displayTag(parseImageRef('app@sha256:0123456789abcdef0123'))).toBe('sha256:0123456789ab');
  });
});
