/**
 * What the operator decided for this server, gathered by the wizard (or the CLI flags) before any
 * step runs. Secrets are not here: the deploy sudo password and .env values are asked when their
 * step applies, travel as Buffers and are zeroed after use.
 */
import type { SudoMode } from './sudoers.js';

export interface AppSettings {
  /** Directory name under /opt and the compose project name. */
  name: string;
  /** Absolute path on the server (default /opt/NAME). */
  dir: string;
  /** The project's .env.example text (read locally), or null. */
  envExample: string | null;
  /** The project's compose file(s) text, for `${VAR:?}` detection. */
  composeText: string;
}

export interface ProvisionSettings {
  deployUser: string;
  /** One authorized_keys line: "ssh-ed25519 AAAA… comment". */
  publicKey: string;
  /** The private key that goes with it: used for the fresh-login proof. */
  identityFile: string;
  sudo: SudoMode;
  /** Also open 443/udp (HTTP/3). */
  http3: boolean;
  /** Lock root's password once key logins are proven (audit wants it locked). */
  lockRootPassword: boolean;
  /** Where to get Docker if it is missing. */
  dockerSource?: 'distribution' | 'docker';
  app: AppSettings | undefined;
}

export const DEPLOY_USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
export const APP_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Parse one public key line (or the first key line of a .pub file); undefined when it is not one. */
export function parsePublicKey(text: string): { line: string; type: string; blob: string } | undefined {
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^((?:ssh|ecdsa|sk)-[A-Za-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,2})(?:\s+(.*))?$/.exec(t);
    if (!m) return undefined;
    const comment = (m[3] ?? '').replace(/[^\x20-\x7e]/g, '').trim();
    return { line: `${m[1]} ${m[2]}${comment ? ` ${comment}` : ''}`, type: m[1]!, blob: m[2]! };
  }
  return undefined;
}
