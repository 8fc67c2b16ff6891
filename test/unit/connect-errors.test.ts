import { describe, expect, it } from 'vitest';
import { classifyConnectError } from '../../src/transport/connect-errors.js';
import { waitForSshdWith } from '../../src/unlock/wait-for-sshd.js';
import { runUnlockFlow } from '../../src/unlock/unlock-flow.js';

// What ssh2 emits for an SSH_MSG_DISCONNECT: the server's description as the message, the reason as code.
const disconnect = (desc: string) => Object.assign(new Error(desc), { code: 2 });
const HOSTILE = 'bye \u001b]0;pwned\u0007\u001b[2J\u001b[31mred\r\nnext\u009b1mline\u202e';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202e]/;

describe('classifyConnectError and server text', () => {
  it('cleans a DISCONNECT description that carries escape sequences before quoting it', () => {
    const e = classifyConnectError(disconnect(HOSTILE), 'deploy@web-1:22');
    expect(e.message).not.toMatch(CONTROL);
    expect(e.message).toContain('deploy@web-1:22: bye');
    expect(e.message).toContain('red');
  });

  it('cleans the negotiation failure text too', () => {
    const e = classifyConnectError(new Error(`Handshake failed: no matching cipher \u001b[2J${HOSTILE}`), 'h');
    expect(e.step).toBe('handshake');
    expect(e.message).not.toMatch(CONTROL);
  });

  it('the unlock wait line quotes a failed sshd login cleanly', async () => {
    const lines: string[] = [];
    let t = 0;
    await waitForSshdWith(
      { knock: async () => ({ kind: 'ssh', version: 'SSH-2.0-OpenSSH_9.2', software: 'openssh' }), verify: async () => Promise.reject(disconnect(HOSTILE)), now: () => t, sleep: async (ms) => void (t += ms) },
      { label: 'web-1', sshdWhere: '127.0.0.1:22', timeoutMs: 5000, intervalMs: 3000, onProgress: (p) => lines.push(p.last) },
    );
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).not.toMatch(CONTROL);
  });

  it('the unlock flow reports a failed call cleanly', async () => {
    const r = await runUnlockFlow({ run: async () => Promise.reject(disconnect(HOSTILE)), ask: async () => null, initial: Buffer.from('pw'), canAskAgain: false });
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.message).not.toMatch(CONTROL);
  });
});
