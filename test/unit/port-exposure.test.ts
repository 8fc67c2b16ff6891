import { describe, expect, it } from 'vitest';
import type { PortBinding } from '../../src/docker/container.js';
import { exposureOf, likelyService, portWarning, portWarnings } from '../../src/model/port-exposure.js';

const bind = (hostIp: string, hostPort: string, containerPort: number, protocol = 'tcp'): PortBinding => ({ hostIp, hostPort, containerPort, protocol });

describe('port exposure', () => {
  it.each(['0.0.0.0', '', '::', '[::]', '0:0:0:0:0:0:0:0'])('%j means every interface', (ip) => {
    expect(exposureOf(ip)).toBe('all-interfaces');
    expect(portWarning(bind(ip, '5432', 5432))?.kind).toBe('all-interfaces');
  });

  it.each(['127.0.0.1', '127.0.0.53', '::1', '[::1]', '10.0.0.5', '172.20.0.1', '192.168.1.10', '100.101.102.103', 'fd7a:115c:a1e0::1'])('%s is not exposed', (ip) => {
    expect(exposureOf(ip)).toBeNull();
    expect(portWarning(bind(ip, '5432', 5432))).toBeNull();
  });

  it('treats a specific public address as exposed', () => {
    expect(exposureOf('203.0.113.7')).toBe('public-address');
    expect(portWarning(bind('203.0.113.7', '6379', 6379))?.message).toBe('6379/tcp (Redis) is published on port 6379 on public address 203.0.113.7');
  });

  it('allows 80 and 443 on every interface, tcp and udp (HTTP/3)', () => {
    expect(portWarnings([bind('', '80', 80), bind('0.0.0.0', '443', 443), bind('::', '443', 443, 'udp'), bind('', '443', 8443)])).toEqual([]);
  });

  it('judges by the host port but names the software by the container port', () => {
    const w = portWarning(bind('0.0.0.0', '15432', 5432));
    expect(w?.likelyService).toBe('PostgreSQL');
    expect(w?.message).toBe('5432/tcp (PostgreSQL) is published on port 15432 on all interfaces (0.0.0.0)');
    // 8443 on the host is not the proxy's port even if the container listens on 443.
    expect(portWarning(bind('', '8443', 443))?.message).toBe('443/tcp is published on port 8443 on all interfaces (no address given)');
  });

  it('warns about a random port published on every interface', () => {
    expect(portWarning(bind('', '', 80))?.message).toBe('80/tcp is published on a random port on all interfaces (no address given)');
  });

  it('names the usual suspects', () => {
    expect([5432, 6379, 9200, 27017, 3306, 2375, 12345].map(likelyService)).toEqual([
      'PostgreSQL', 'Redis', 'Elasticsearch', 'MongoDB', 'MySQL/MariaDB', 'Docker API (unencrypted)', null,
    ]);
  });
});
