import { describe, expect, it } from 'vitest';
import { extraAllowed, parseUfwAdded, parseUfwDefaults, parseUfwStatus, ufwCommands } from '../../src/provision/ufw-status.js';

const ACTIVE = `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    Anywhere
80/tcp                     ALLOW IN    Anywhere
443/tcp                    ALLOW IN    Anywhere
5432/tcp                   ALLOW IN    Anywhere
8080                       ALLOW IN    203.0.113.0/24
22/tcp (v6)                ALLOW IN    Anywhere (v6)
`;

describe('ufw', () => {
  it('parses status verbose', () => {
    const s = parseUfwStatus(ACTIVE);
    expect(s.active).toBe(true);
    expect(s.defaultIncoming).toBe('deny');
    expect(s.rules.map((r) => `${r.to}${r.v6 ? ' v6' : ''}`)).toEqual(['22/tcp', '80/tcp', '443/tcp', '5432/tcp', '8080', '22/tcp v6']);
    expect(extraAllowed(s, 22)).toEqual(['5432/tcp']);
  });

  it('plans the SSH rule first and enabling last on a fresh server, and nothing when all is there', () => {
    const fresh = { installed: true, status: parseUfwStatus('Status: inactive\n'), added: parseUfwAdded("Added user rules (see 'ufw status' for running firewall):\n(None)\n"), defaults: parseUfwDefaults('DEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\n') };
    const cmds = ufwCommands(fresh, 2222, true).map((c) => c.join(' '));
    expect(cmds).toEqual(['ufw allow 2222/tcp', 'ufw allow 80/tcp', 'ufw allow 443/tcp', 'ufw allow 443/udp', 'ufw --force enable']);
    const done = { installed: true, status: parseUfwStatus(ACTIVE), added: ['allow 22/tcp', 'allow 80/tcp', 'allow 443/tcp'], defaults: { input: 'drop', output: 'accept' } };
    expect(ufwCommands(done, 22, false)).toEqual([]);
    const permissive = { ...fresh, defaults: { input: 'accept', output: 'accept' } };
    expect(ufwCommands(permissive, 22, false).map((c) => c.join(' '))).toContain('ufw default deny incoming');
  });
});
