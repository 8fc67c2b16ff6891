// Keys and the OpenSSH text formats the lab writes: authorized_keys lines, known_hosts lines
// in the `[host]:port type base64` form OpenSSH uses for non-default ports, and SHA256
// fingerprints as `ssh-keygen -l` prints them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { run } from './run-command.js';

export interface PublicKey {
  type: string;
  /** The base64 key blob, as in authorized_keys. */
  base64: string;
}

export interface HostKey extends PublicKey {
  fingerprint: string;
}

export function parsePublicKey(line: string): PublicKey {
  const [type, base64] = line.trim().split(/\s+/);
  if (!type || !base64 || !/^[A-Za-z0-9+/=]+$/.test(base64)) throw new Error(`not an OpenSSH public key: ${line.slice(0, 40)}`);
  return { type, base64 };
}

/** `SHA256:…` exactly as `ssh-keygen -lf` shows it (unpadded base64 of the blob's SHA-256). */
export function fingerprint(key: PublicKey): string {
  const digest = createHash('sha256').update(Buffer.from(key.base64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

export function hostKey(key: PublicKey): HostKey {
  return { ...key, fingerprint: fingerprint(key) };
}

export function knownHostsLine(host: string, port: number, key: PublicKey): string {
  const where = port === 22 ? host : `[${host}]:${port}`;
  return `${where} ${key.type} ${key.base64}`;
}

/**
 * authorized_keys text with the line commented `comment` replaced by `line` (or added). Keys
 * anyone else put there stay; so do those of a second lab (its comment names its own lab dir).
 */
export function upsertAuthorizedKey(existing: string, comment: string, line: string): string {
  const kept = existing.split('\n').filter((l) => l.trim() !== '' && !l.trimEnd().endsWith(` ${comment}`));
  return `${[...kept, line].join('\n')}\n`;
}

/** An unencrypted OpenSSH key pair (the lab's keys are test fixtures, guarded by file modes). */
export async function ensureKeyPair(path: string, type: 'ed25519' | 'ecdsa', comment: string): Promise<PublicKey> {
  if (!existsSync(path) || !existsSync(`${path}.pub`)) {
    await run(['ssh-keygen', '-q', '-t', type, '-N', '', '-C', comment, '-f', path], { input: 'y\n' });
  }
  return parsePublicKey(readFileSync(`${path}.pub`, 'utf8'));
}

/** True when nothing listens on 127.0.0.1:port (we bind and release it to find out). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The SSH identification line a server sends first ("SSH-2.0-…"), or null. */
export function readSshBanner(port: number, timeoutMs = 3000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const done = (value: string | null) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.on('error', () => done(null));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const line = data.split('\r\n').find((l) => l.startsWith('SSH-'));
      if (line) done(line);
    });
    socket.on('end', () => done(null));
  });
}
