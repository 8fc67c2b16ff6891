import Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { compareApi, pinnedApiVersion } from '../../src/docker/api-version.js';

describe('API version', () => {
  it('compares versions numerically, not as text', () => {
    expect(compareApi('1.41', '1.9')).toBeGreaterThan(0);
    expect(compareApi('1.45', '1.45')).toBe(0);
    expect(compareApi('1.24', '1.41')).toBeLessThan(0);
  });

  it("reads the version pinned on a client (what the raw log GET prefixes its path with)", () => {
    // No request is made: the client is only constructed.
    const docker = new Dockerode({ socketPath: '/nonexistent/docker.sock' });
    expect(pinnedApiVersion(docker)).toBeUndefined();
    (docker.modem as { version?: string }).version = 'v1.43';
    expect(pinnedApiVersion(docker)).toBe('1.43');
  });
});
