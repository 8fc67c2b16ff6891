/**
 * Which system this is, from /etc/os-release, and whether provision supports it. Only the
 * releases whose package names, sshd layout (sshd_config.d with first-value-wins) and service
 * names were checked are accepted; anything else is refused with what was found.
 */
import { sanitise } from '../text/sanitise.js';

export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  codename: string;
  pretty: string;
}

export type OsVerdict =
  | { ok: true; family: 'debian' | 'ubuntu'; version: string; codename: string; name: string }
  | { ok: false; name: string; reason: string };

/** Shell-style KEY=value lines; values may be double- or single-quoted. */
export function parseOsRelease(text: string): OsRelease {
  const vars = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(raw.trim());
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    vars.set(m[1]!, sanitise(v));
  }
  return {
    id: (vars.get('ID') ?? '').toLowerCase(),
    idLike: (vars.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    versionId: vars.get('VERSION_ID') ?? '',
    codename: vars.get('VERSION_CODENAME') ?? '',
    pretty: vars.get('PRETTY_NAME') ?? (vars.get('NAME') ?? 'an unknown system'),
  };
}

const SUPPORTED: Record<'debian' | 'ubuntu', readonly string[]> = {
  debian: ['12', '13'],
  ubuntu: ['22.04', '24.04'],
};

export const SUPPORTED_TEXT = 'Debian 12 or 13, Ubuntu 22.04 or 24.04';

export function judgeOs(os: OsRelease): OsVerdict {
  const name = os.pretty || `${os.id} ${os.versionId}`.trim() || 'an unknown system';
  if (os.id !== 'debian' && os.id !== 'ubuntu') {
    const like = os.idLike.length ? ` (like ${os.idLike.join(', ')})` : '';
    return { ok: false, name, reason: `${name}${like} is not supported: opsdeck provisions ${SUPPORTED_TEXT}` };
  }
  // Debian testing/sid have no VERSION_ID; treat them as unsupported rather than guess.
  if (!SUPPORTED[os.id].includes(os.versionId)) {
    return { ok: false, name, reason: `${name} is not supported: opsdeck provisions ${SUPPORTED_TEXT}` };
  }
  return { ok: true, family: os.id, version: os.versionId, codename: os.codename, name };
}
