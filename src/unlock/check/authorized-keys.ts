/**
 * authorized_keys lines (sshd(8) "AUTHORIZED_KEYS FILE FORMAT", which Dropbear follows):
 *   [options] keytype base64-key [comment]
 * Options are comma-separated; a value is double-quoted and may hold commas and \" escapes.
 * Used to judge the initramfs's keys: forwarding switched off, ideally a forced
 * `command="cryptroot-unlock"`, and whether the key opsdeck will offer is there at all.
 */
import { blobKeyType, fingerprintSHA256 } from '../../config/known-hosts.js';
import { scanQuoted } from '../../text/quoted-scan.js';

export interface KeyOption {
  name: string;
  value?: string;
}

export interface AuthorizedKey {
  /** 1-based line number. */
  line: number;
  options: KeyOption[];
  keyType: string;
  blob: Buffer;
  fingerprint: string;
  comment: string;
}

export interface AuthorizedKeysParse {
  keys: AuthorizedKey[];
  /** Lines that are not a key, as "line N: why". */
  problems: string[];
}

const KEY_TYPE = /^(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

/** Split the options field, honouring double quotes (in values only); returns the options and where the key type starts. */
function readOptions(line: string): { options: KeyOption[]; rest: string } | { error: string } {
  const scan = scanQuoted(line, { separators: ',', stopAt: ' \t', quoteOpens: (sofar) => sofar.includes('=') });
  if (scan.unterminated) return { error: 'unterminated quote in the options' };
  const options: KeyOption[] = [];
  for (const token of scan.tokens) {
    const eq = token.indexOf('=');
    const name = (eq < 0 ? token : token.slice(0, eq)).toLowerCase();
    if (name) options.push(eq < 0 ? { name } : { name, value: token.slice(eq + 1) });
  }
  return { options, rest: line.slice(scan.end).trim() };
}

export function parseAuthorizedKeys(text: string): AuthorizedKeysParse {
  const keys: AuthorizedKey[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let options: KeyOption[] = [];
    let rest = line;
    if (!KEY_TYPE.test(line.split(/\s+/)[0]!)) {
      const r = readOptions(line);
      if ('error' in r) {
        problems.push(`line ${lineNo}: ${r.error}`);
        return;
      }
      options = r.options;
      rest = r.rest;
    }
    const [keyType, b64, ...comment] = rest.split(/\s+/);
    if (!keyType || !KEY_TYPE.test(keyType) || !b64) {
      problems.push(`line ${lineNo}: not a public key`);
      return;
    }
    const blob = Buffer.from(b64, 'base64');
    if (blobKeyType(blob) !== keyType) {
      problems.push(`line ${lineNo}: the key does not match its type ${keyType}`);
      return;
    }
    keys.push({ line: lineNo, options, keyType, blob, fingerprint: fingerprintSHA256(blob), comment: comment.join(' ') });
  });
  return { keys, problems };
}

export const FORWARDING_OPTIONS = ['no-port-forwarding', 'no-agent-forwarding', 'no-x11-forwarding'] as const;

export function hasOption(k: AuthorizedKey, name: string): boolean {
  return k.options.some((o) => o.name === name);
}

/** Forwarding options the key lacks (none with `restrict`, which implies them all; Dropbear 2022.83 honours it). */
export function missingRestrictions(k: AuthorizedKey): string[] {
  if (hasOption(k, 'restrict')) return [];
  return FORWARDING_OPTIONS.filter((o) => !hasOption(k, o));
}

export function forcedCommand(k: AuthorizedKey): string | undefined {
  return k.options.find((o) => o.name === 'command')?.value;
}

/** The same line with the missing forwarding options put first (the key, its other options and comment unchanged). */
export function restrictLine(original: string, k: AuthorizedKey): string {
  const missing = missingRestrictions(k).map((o) => (o === 'no-x11-forwarding' ? 'no-X11-forwarding' : o));
  if (missing.length === 0) return original;
  const trimmed = original.trim();
  const hasOptions = k.options.length > 0;
  return hasOptions ? `${missing.join(',')},${trimmed}` : `${missing.join(',')} ${trimmed}`;
}
