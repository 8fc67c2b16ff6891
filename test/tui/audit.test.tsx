import React from 'react';
import { describe, expect, it } from 'vitest';
import { Audit } from '../../screens/Audit.js';
import { auditReport } from '../../src/audit/audit-row.js';
import { AuditStore } from '../../src/audit/audit-store.js';
import { mount } from './harness.js';

const report = auditReport('web-1', [
  { id: 'sshd-passwordauthentication', group: 'SSH', title: 'PasswordAuthentication', status: 'pass', detail: 'no (sshd -T)', evidence: [{ command: 'sudo -n -- sshd -T -C user=root', output: 'passwordauthentication no' }] },
  { id: 'published-ports', group: 'Containers', title: 'published ports', status: 'fail', detail: 'shop-redis-1: 6379/tcp (Redis) is published on all interfaces', evidence: [{ command: 'docker inspect shop-redis-1 (HostConfig.PortBindings)', output: '0.0.0.0:6379 -> 6379/tcp' }], fix: 'Bind it to 127.0.0.1 in the compose file.' },
  { id: 'unlock', group: 'Unlock', title: 'remote LUKS unlock', status: 'info', detail: 'not configured', evidence: [] },
]);

describe('Audit screen', () => {
  it('runs the audit when shown, lists pass/warn/fail, and shows the selected row’s evidence and fix', async () => {
    let runs = 0;
    const store = new AuditStore(async () => (runs++, report));
    const m = mount(<Audit audit={store} actions={store.actions} width={120} height={30} color={false} onBack={() => undefined} onHelp={() => undefined} />);
    await m.waitFor((f) => f.includes('1 pass · 0 warn · 1 fail'));
    expect(runs).toBe(1);
    expect(m.frame()).toContain('✓ pass  SSH');
    expect(m.frame()).toContain('$ sudo -n -- sshd -T -C user=root');
    await m.press('j');
    const f = await m.waitFor((x) => x.includes('$ docker inspect shop-redis-1'));
    expect(f).toContain('0.0.0.0:6379 -> 6379/tcp');
    expect(f).toContain('fix: Bind it to 127.0.0.1 in the compose file.');
    await m.press('f');
    await m.waitFor((x) => x.includes('problems only') && !x.includes('remote LUKS unlock'));
    await m.press('r');
    await m.waitFor(() => runs === 2);
  });
});
