/**
 * known_hosts in OpenSSH's format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 *   [@revoked|@cert-authority] host-patterns key-type base64-key [comment]
 * Host fields are comma-separated patterns (`*`, `?`, `!`), `[host]:port` for non-default
 * ports, or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 * A host may have several keys, of one type or several; any one of them matching is enough.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { matchPatternList } from './host-pattern.js';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written (patterns, or a |1| hash). */
  hostField: string;
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
}

export interface KnownHostsParse {
  entries: KnownHostEntry[];
  /** Lines that could not be read, as file:line: why. They never match anything. */
  problems: string[];
}

export function parseKnownHosts(text: string, file: string): KnownHostsParse {
  const entries: KnownHostEntry[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        problems.push(`${file}:${lineNo}: unknown marker ${m}`);
        return;
      }
    }
    const [hostField, keyType, keyB64] = fields;
    if (!hostField || !keyType || !keyB64) {
      problems.push(`${file}:${lineNo}: expected host, key type and key`);
      return;
    }
    const key = Buffer.from(keyB64, 'base64');
    // The blob starts with its own type name: a cheap check that the base64 is a key at all.
    if (blobKeyType(key) !== keyType) {
      problems.push(`${file}:${lineNo}: key does not match its type ${keyType}`);
      return;
    }
    const entry: KnownHostEntry = { file, line: lineNo, hostField, keyType, key, ...(marker ? { marker } : {}) };
    if (hostField.startsWith('|1|')) {
      const parts = hostField.split('|');
      const salt = Buffer.from(parts[2] ?? '', 'base64');
      const hash = Buffer.from(parts[3] ?? '', 'base64');
      if (salt.length !== 20 || hash.length !== 20) {
        problems.push(`${file}:${lineNo}: malformed hashed host name`);
        return;
      }
      entry.hashed = { salt, hash };
    }
    entries.push(entry);
  });
  return { entries, problems };
}

/** Read several known_hosts files; missing files are simply empty. */
export function readKnownHostsFiles(files: readonly string[]): KnownHostsParse {
  const all: KnownHostsParse = { entries: [], problems: [] };
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const r = parseKnownHosts(text, file);
    all.entries.push(...r.entries);
    all.problems.push(...r.problems);
  }
  return all;
}

/**
 * The name OpenSSH looks up: `host` on port 22, else `[host]:port`, lower-cased as ssh(1) does
 * before any lookup (ssh.c lowercases the host and the HostKeyAlias). A hashed entry only matches
 * the exact bytes it was made from, so `Web1.Example.com` must be hashed as `web1.example.com`;
 * otherwise a changed key would look unknown, and accept-new would record an impostor's.
 */
export function knownHostsName(host: string, port: number): string {
  const h = canonicalHostName(host);
  return port === 22 ? h : `[${h}]:${port}`;
}

/** Lower-case, as OpenSSH does; applied to every name that is looked up or recorded. */
export function canonicalHostName(name: string): string {
  return name.toLowerCase();
}

export function entryMatchesName(entry: KnownHostEntry, nameIn: string): boolean {
  const name = canonicalHostName(nameIn);
  if (entry.hashed) {
    const h = crypto.createHmac('sha1', entry.hashed.salt).update(name).digest();
    return crypto.timingSafeEqual(h, entry.hashed.hash);
  }
  return matchPatternList(name, entry.hostField.split(','));
}

/** The key type named inside an SSH public key blob (string type, then type-specific fields). */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:…` as OpenSSH prints it (base64 without padding). */
export function fingerprintSHA256(blob: Buffer): string {
  return 'SHA256:' + crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'changed'; expected: KnownHostEntry[] }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * Judge an offered host key against the entries for `name` (from knownHostsName or a HostKeyAlias).
 * Revoked beats everything; a matching key of the offered type is known; keys of the offered
 * type that all differ mean the key changed; no key of that type means unknown.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, offered: Buffer): HostKeyVerdict {
  const offeredType = blobKeyType(offered);
  for (const e of entries) {
    // @revoked applies to the key wherever it shows up (sshd(8): "the key is revoked").
    if (e.marker === 'revoked' && e.key.equals(offered)) return { status: 'revoked', entry: e };
  }
  const forHost = entries.filter((e) => e.marker === undefined && entryMatchesName(e, name));
  const sameKey = forHost.find((e) => e.key.equals(offered));
  if (sameKey) return { status: 'known', entry: sameKey };
  const sameType = forHost.filter((e) => e.keyType === offeredType);
  if (sameType.length > 0) return { status: 'changed', expected: sameType };
  return { status: 'unknown' };
}

/** Key types known for a host, to pin the host key algorithms offered in the key exchange. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker !== undefined) continue;
    if (entryMatchesName(e, name) && !types.includes(e.keyType)) types.push(e.keyType);
  }
  return types;
}

/** Host key algorithms (as negotiated in KEXINIT) that produce keys of a known_hosts key type. */
export function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}

/** One known_hosts line; hashed like `HashKnownHosts yes` when asked. */
export function formatKnownHostsLine(name: string, blob: Buffer, opts: { hash?: boolean; salt?: Buffer } = {}): string {
  const type = blobKeyType(blob);
  if (!type) throw new Error('not an SSH public key blob');
  const canonical = canonicalHostName(name);
  let host = canonical;
  if (opts.hash) {
    const salt = opts.salt ?? crypto.randomBytes(20);
    const h = crypto.createHmac('sha1', salt).update(canonical).digest();
    host = `|1|${salt.toString('base64')}|${h.toString('base64')}`;
  }
  return `${host} ${type} ${blob.toString('base64')}`;
}

/**
 * Append a line to a known_hosts file (created 0600 in a 0700 directory if missing).
 * Returns the line number it landed on, for the message that tells the user where it went.
 */
export function appendKnownHostsLine(file: string, line: string): number {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let existing = '';
  try {
    existing = fs.readFileSync(file, 'utf8');
  } catch {
    // new file
  }
  const prefix = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
  fs.appendFileSync(file, `${prefix}${line}\n`, { mode: 0o600 });
  const before = existing === '' ? 0 : existing.split('\n').length - (existing.endsWith('\n') ? 1 : 0);
  return before + 1;
}
