/**
 * Host key trust for one hop, as OpenSSH does it, minus the ways around it:
 *  - keys are checked against every known_hosts file in effect (user files, then global);
 *  - the host key algorithms offered in the key exchange are pinned to the types already
 *    known for the host, so a server that also has, say, an RSA key is not taken for a
 *    server whose Ed25519 key changed;
 *  - unknown: StrictHostKeyChecking yes → refuse; accept-new / no → record and go on;
 *    ask → the prompter decides (the CLI's prompter says no); BatchMode never asks;
 *  - changed or revoked: refused, always. ssh2 then drops the connection during the key
 *    exchange, before NEWKEYS: no authentication request, nothing of ours, is ever sent.
 *  - once a session has accepted a key, reconnects of that session accept only that key.
 */
import {
  algorithmsForKeyType,
  appendKnownHostsLine,
  blobKeyType,
  canonicalHostName,
  checkHostKey,
  fingerprintSHA256,
  formatKnownHostsLine,
  knownHostsName,
  knownKeyTypes,
  readKnownHostsFiles,
  type KnownHostEntry,
} from '../config/known-hosts.js';
import { quoteArg } from './shell-quote.js';
import { ConnectError, HostKeyChangedError } from './connect-errors.js';
import type { Prompter } from './prompter.js';
import type { SshEndpoint } from './target.js';

// ssh2's own order of preference (lib/protocol/constants.js DEFAULT_SERVER_HOST_KEY).
const SSH2_HOST_KEY_ORDER = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

export type HostKeyOutcome =
  | { status: 'known'; keyType: string; fingerprint: string; file: string; line: number }
  | { status: 'accepted-new'; keyType: string; fingerprint: string; file?: string; line?: number; warning?: string }
  | { status: 'pinned'; keyType: string; fingerprint: string };

export interface HostKeyPolicy {
  /** The name looked up in known_hosts: host, [host]:port, or the HostKeyAlias. */
  lookupName: string;
  /** For ssh2's `algorithms.serverHostKey`; undefined = ssh2's defaults (nothing known yet). */
  serverHostKeyAlgorithms: string[] | undefined;
  /** ssh2 `hostVerifier` (asynchronous form). */
  verifier: (key: Buffer, verify: (ok: boolean) => void) => void;
  /** Set once the verifier has decided. */
  outcome(): HostKeyOutcome | undefined;
  /** The refusal, if the verifier refused (ssh2 itself only reports "Host denied"). */
  refusal(): ConnectError | undefined;
  /** Time spent waiting for the prompter: it does not count against the handshake timeout. */
  promptMs(): number;
}

export function createHostKeyPolicy(endpoint: SshEndpoint, prompter: Prompter, opts: { pinnedKey?: Buffer } = {}): HostKeyPolicy {
  const lookupName = endpoint.knownHosts.alias !== undefined ? canonicalHostName(endpoint.knownHosts.alias) : knownHostsName(endpoint.host, endpoint.port);
  const files = [...endpoint.knownHosts.userFiles, ...endpoint.knownHosts.globalFiles];
  const known = readKnownHostsFiles(files);
  let types = knownKeyTypes(known.entries, lookupName);
  if (opts.pinnedKey) types = [blobKeyType(opts.pinnedKey) ?? ''];
  const algos = types.length === 0 ? undefined : orderAlgorithms(types.flatMap(algorithmsForKeyType));

  let outcome: HostKeyOutcome | undefined;
  let refusal: ConnectError | undefined;
  let promptMs = 0;
  const where = `${endpoint.user}@${endpoint.host}${endpoint.port === 22 ? '' : `:${endpoint.port}`}`;

  const decide = async (key: Buffer): Promise<boolean> => {
    const keyType = blobKeyType(key) ?? 'unknown';
    const fingerprint = fingerprintSHA256(key);
    if (opts.pinnedKey) {
      if (opts.pinnedKey.equals(key)) {
        outcome = { status: 'pinned', keyType, fingerprint };
        return true;
      }
      refusal = changedError(where, lookupName, fingerprint, keyType, [{ fingerprint: fingerprintSHA256(opts.pinnedKey), origin: 'the key this session accepted' }], undefined);
      return false;
    }
    // Re-read: another opsdeck or ssh may have recorded the key since we built the list.
    const fresh = readKnownHostsFiles(files);
    const verdict = checkHostKey(fresh.entries, lookupName, key);
    if (verdict.status === 'known') {
      outcome = { status: 'known', keyType, fingerprint, file: verdict.entry.file, line: verdict.entry.line };
      return true;
    }
    if (verdict.status === 'revoked') {
      refusal = new HostKeyChangedError(
        `REVOKED HOST KEY for ${lookupName}: the server offered ${keyType} ${fingerprint}, which ${verdict.entry.file} line ${verdict.entry.line} marks @revoked. Refusing to connect.`,
        'A revoked key means the server (or its key) was compromised or retired: talk to whoever runs it before going further.',
      );
      return false;
    }
    if (verdict.status === 'changed') {
      refusal = changedError(
        where,
        lookupName,
        fingerprint,
        keyType,
        verdict.expected.map((e) => ({ fingerprint: fingerprintSHA256(e.key), origin: `${e.file} line ${e.line}` })),
        verdict.expected[0],
      );
      return false;
    }
    // Unknown.
    const target = endpoint.knownHosts.userFiles[0];
    const strict = endpoint.strictHostKeyChecking;
    let accept: boolean;
    if (strict === 'yes') accept = false;
    else if (strict === 'accept-new' || strict === 'no') accept = true;
    else if (endpoint.batchMode) accept = false;
    else {
      const t0 = Date.now();
      try {
        accept = await prompter.confirmUnknownHostKey({ host: endpoint.knownHosts.alias ?? endpoint.host, port: endpoint.port, keyType, fingerprintSHA256: fingerprint, knownHostsFile: target ?? '(none)' });
      } finally {
        promptMs += Date.now() - t0;
      }
    }
    if (!accept) {
      refusal = new ConnectError('host-key', `${where}: unknown host key (${keyType} ${fingerprint}) and nobody confirmed it`, {
        hint:
          strict === 'yes'
            ? 'StrictHostKeyChecking is yes: add the key to known_hosts yourself after checking the fingerprint with the server’s administrator.'
            : 'Check the fingerprint with the server’s administrator (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server), then run again with --accept-new, or connect once from the TUI.',
        retryable: false,
      });
      return false;
    }
    if (!target) {
      outcome = { status: 'accepted-new', keyType, fingerprint, warning: 'UserKnownHostsFile is none: the key was not recorded' };
      return true;
    }
    try {
      const line = appendKnownHostsLine(target, formatKnownHostsLine(lookupName, key, { hash: endpoint.knownHosts.hashNew }));
      outcome = { status: 'accepted-new', keyType, fingerprint, file: target, line };
    } catch (err) {
      outcome = { status: 'accepted-new', keyType, fingerprint, warning: `could not record the key in ${target}: ${(err as Error).message}` };
    }
    return true;
  };

  return {
    lookupName,
    serverHostKeyAlgorithms: algos,
    verifier: (key, verify) => {
      decide(Buffer.from(key)).then(verify, (err: unknown) => {
        refusal = new ConnectError('host-key', `${where}: host key check failed: ${(err as Error)?.message ?? String(err)}`, { retryable: false });
        verify(false);
      });
    },
    outcome: () => outcome,
    refusal: () => refusal,
    promptMs: () => promptMs,
  };
}

function orderAlgorithms(algos: string[]): string[] {
  const uniq = [...new Set(algos)];
  return uniq.sort((a, b) => rank(a) - rank(b));
}

function rank(a: string): number {
  const i = SSH2_HOST_KEY_ORDER.indexOf(a);
  return i === -1 ? SSH2_HOST_KEY_ORDER.length : i;
}

function changedError(
  where: string,
  lookupName: string,
  offered: string,
  keyType: string,
  expected: { fingerprint: string; origin: string }[],
  firstEntry: KnownHostEntry | undefined,
): HostKeyChangedError {
  const exp = expected.map((e) => `${e.fingerprint} (${e.origin})`).join(', ');
  const msg =
    `HOST KEY CHANGED for ${lookupName} (${where}): known_hosts expects ${keyType} ${exp}, the server offered ${offered}. ` +
    'Refusing to connect: someone may be intercepting the connection, or the server was reinstalled.';
  const fix = firstEntry
    ? `Only after confirming the new key with the server’s administrator: remove line ${firstEntry.line} of ${firstEntry.file} (ssh-keygen -R ${quoteArg(lookupName)} -f ${quoteArg(firstEntry.file)}) and connect again. No opsdeck option skips this check.`
    : 'The key differs from the one this session accepted when it first connected; reconnect from scratch only after checking the server. No opsdeck option skips this check.';
  return new HostKeyChangedError(msg, fix);
}
