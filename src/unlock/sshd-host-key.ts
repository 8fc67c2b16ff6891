/**
 * Is this really our server again? After an unlock the real system boots and sshd comes back;
 * its banner alone proves nothing, so we run the key exchange and let the transport's host key
 * policy judge the key against the normal known_hosts, then hang up before logging in (no key,
 * passphrase or password is needed for that).
 */
import ssh2 from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import { dialTcp } from '../transport/carrier.js';
import { ConnectError, classifyConnectError } from '../transport/connect-errors.js';
import { createHostKeyPolicy, type HostKeyOutcome } from '../transport/host-key-policy.js';
import type { Prompter } from '../transport/prompter.js';
import { endpointLabel, type SshEndpoint } from '../transport/target.js';

const { Client } = ssh2;

/** Resolves with the policy's verdict once the key exchange is done; rejects with its refusal or the network error. */
export async function verifySshdHostKey(endpoint: SshEndpoint, prompter: Prompter, timeoutMs = 10_000): Promise<HostKeyOutcome> {
  const hop = endpointLabel(endpoint);
  const sock = await dialTcp(endpoint.host, endpoint.port, timeoutMs, hop);
  const policy = createHostKeyPolicy(endpoint, prompter);
  const client = new Client();
  return new Promise<HostKeyOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      try {
        client.end();
      } catch {
        /* already closed */
      }
      sock.destroy();
      fn();
    };
    let idle = 0;
    // A person reading a fingerprint is not a slow server: prompt time does not count.
    const timer = setInterval(() => {
      idle += 250;
      if (idle - policy.promptMs() >= timeoutMs) {
        finish(() => reject(classifyConnectError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), hop)));
      }
    }, 250);
    const fail = (err: unknown) => finish(() => reject(policy.refusal() ?? (err instanceof ConnectError ? err : classifyConnectError(err, hop))));
    client.on('handshake', () => {
      const outcome = policy.outcome();
      if (outcome) finish(() => resolve(outcome));
      else fail(new Error('the key exchange finished without a host key verdict'));
    });
    client.on('error', fail);
    client.on('close', () => fail(Object.assign(new Error('Connection lost before handshake'), { level: 'protocol' })));
    const config: ConnectConfig = {
      sock,
      username: endpoint.user,
      hostVerifier: policy.verifier as ConnectConfig['hostVerifier'],
      // Never reached: we leave right after the key exchange.
      authHandler: () => false,
      readyTimeout: 0,
      ...(policy.serverHostKeyAlgorithms
        ? { algorithms: { serverHostKey: policy.serverHostKeyAlgorithms as NonNullable<NonNullable<ConnectConfig['algorithms']>['serverHostKey']> } }
        : {}),
    };
    try {
      client.connect(config);
    } catch (err) {
      fail(err);
    }
  });
}
