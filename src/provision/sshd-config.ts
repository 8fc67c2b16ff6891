/**
 * sshd configuration as sshd itself reads it: the main file line by line, each Include expanded
 * in place (glob matches in lexical order), and for each keyword the FIRST value wins. That is
 * why opsdeck's drop-in is 00-opsdeck.conf: it is read before cloud-init's 50-cloud-init.conf
 * (which turns PasswordAuthentication on in many cloud images), so ours wins without editing
 * theirs. The trace below says, for each setting we care about, which file:line decides it now
 * and which would once our file is in place; `sshd -T` is still the proof.
 */
import { sanitise } from '../text/sanitise.js';

export const SSHD_MAIN = '/etc/ssh/sshd_config';
export const SSHD_DROPIN_DIR = '/etc/ssh/sshd_config.d';
export const OPSDECK_SSHD_FILE = `${SSHD_DROPIN_DIR}/00-opsdeck.conf`;

/** What provision sets, in the order written. Keys as sshd -T prints them are lower-case. */
export const HARDENING: readonly (readonly [keyword: string, value: string])[] = [
  ['PasswordAuthentication', 'no'],
  ['KbdInteractiveAuthentication', 'no'],
  ['PermitRootLogin', 'no'],
  ['PubkeyAuthentication', 'yes'],
];

/** Older spelling sshd still accepts for KbdInteractiveAuthentication. */
const ALIASES: Record<string, string> = { challengeresponseauthentication: 'kbdinteractiveauthentication' };

export function renderDropIn(): string {
  return [
    '# Written by opsdeck provision. sshd uses the first value it reads for each setting, and this',
    '# file is read before the other drop-ins (e.g. 50-cloud-init.conf), so these values win.',
    ...HARDENING.map(([k, v]) => `${k} ${v}`),
    '',
  ].join('\n');
}

/** `sshd -T` output: "keyword value…" per line; keywords lower-case. First occurrence kept. */
export function parseSshdT(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const sp = t.indexOf(' ');
    const k = (sp < 0 ? t : t.slice(0, sp)).toLowerCase();
    if (!m.has(k)) m.set(k, sanitise(sp < 0 ? '' : t.slice(sp + 1).trim()));
  }
  return m;
}

export interface Mismatch {
  keyword: string;
  want: string;
  got: string | undefined;
}

export function hardeningMismatches(effective: ReadonlyMap<string, string>): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [k, want] of HARDENING) {
    const got = effective.get(k.toLowerCase());
    if (got?.toLowerCase() !== want) out.push({ keyword: k, want, got });
  }
  return out;
}

export interface ConfigFile {
  path: string;
  text: string;
}

export interface Occurrence {
  file: string;
  line: number;
  keyword: string;
  value: string;
  /** Inside a Match block: applies to some connections only. */
  inMatch: boolean;
}

export interface IncludeInfo {
  /** The main file has an Include that reads the drop-in directory. */
  readsDropIns: boolean;
  /** Line of that Include in the main file. */
  line: number | undefined;
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`);
}

/** Occurrences of every keyword, in the order sshd reads them. */
export function readOrder(main: ConfigFile, dropIns: readonly ConfigFile[]): { occurrences: Occurrence[]; include: IncludeInfo } {
  const occurrences: Occurrence[] = [];
  const include: IncludeInfo = { readsDropIns: false, line: undefined };
  const sorted = [...dropIns].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const walk = (file: ConfigFile, depth: number) => {
    let inMatch = false;
    file.text.split('\n').forEach((raw, i) => {
      const t = raw.replace(/#.*$/, '').trim();
      if (!t) return;
      const m = /^(\S+)\s*=?\s*(.*)$/.exec(t);
      if (!m) return;
      const keyword = m[1]!.toLowerCase();
      const value = m[2]!.trim();
      if (keyword === 'match') {
        inMatch = true;
        return;
      }
      if (keyword === 'include' && depth < 4) {
        for (const pattern of value.split(/\s+/)) {
          const abs = pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
          const re = globToRegExp(abs);
          const hits = sorted.filter((f) => re.test(f.path));
          if (abs.startsWith(`${SSHD_DROPIN_DIR}/`) && file === main) {
            include.readsDropIns = true;
            include.line ??= i + 1;
          }
          for (const f of hits) walk(f, depth + 1);
        }
        return;
      }
      occurrences.push({ file: file.path, line: i + 1, keyword: ALIASES[keyword] ?? keyword, value: sanitise(value), inMatch });
    });
  };
  walk(main, 0);
  return { occurrences, include };
}

export interface SettingTrace {
  keyword: string;
  want: string;
  /** The first occurrence outside Match: what sshd uses (undefined: sshd's compiled-in default). */
  winner: Occurrence | undefined;
  /** Every occurrence, in read order. */
  all: Occurrence[];
  /** Occurrences inside Match blocks that set another value: they override for matching connections. */
  matchOverrides: Occurrence[];
}

export function traceSettings(main: ConfigFile, dropIns: readonly ConfigFile[]): { settings: SettingTrace[]; include: IncludeInfo } {
  const { occurrences, include } = readOrder(main, dropIns);
  const settings = HARDENING.map(([k, want]) => {
    const key = k.toLowerCase();
    const all = occurrences.filter((o) => o.keyword === key);
    return {
      keyword: k,
      want,
      winner: all.find((o) => !o.inMatch),
      all,
      matchOverrides: all.filter((o) => o.inMatch && o.value.toLowerCase() !== want),
    };
  });
  return { settings, include };
}

/** One line per setting: where its value comes from now. */
export function describeTrace(t: SettingTrace): string {
  const w = t.winner;
  const from = w ? `${w.value} (${w.file} line ${w.line})` : 'not set (sshd default)';
  const later = t.all.filter((o) => o !== w && !o.inMatch && o.value.toLowerCase() !== (w?.value ?? '').toLowerCase());
  const ignored = later.length ? `; ignored later: ${later.map((o) => `${o.value} in ${o.file} line ${o.line}`).join(', ')}` : '';
  return `${t.keyword}: ${from}${ignored}`;
}

/**
 * What stands in the way of our drop-in deciding every setting: no Include of the drop-in
 * directory, a value read before ours (main file above the Include, or a drop-in sorting before
 * 00-opsdeck.conf), or a Match block overriding it.
 */
export function dropInBlockers(main: ConfigFile, dropIns: readonly ConfigFile[]): string[] {
  const withOurs = [...dropIns.filter((f) => f.path !== OPSDECK_SSHD_FILE), { path: OPSDECK_SSHD_FILE, text: renderDropIn() }];
  const { settings, include } = traceSettings(main, withOurs);
  if (!include.readsDropIns) return [`${SSHD_MAIN} has no 'Include ${SSHD_DROPIN_DIR}/*.conf': a drop-in there would not be read`];
  const out: string[] = [];
  for (const s of settings) {
    const w = s.winner;
    if (w && w.file !== OPSDECK_SSHD_FILE && w.value.toLowerCase() !== s.want) out.push(`${s.keyword} ${w.value} in ${w.file} line ${w.line} is read before ${OPSDECK_SSHD_FILE} and would win`);
    for (const m of s.matchOverrides) out.push(`${s.keyword} ${m.value} inside a Match block (${m.file} line ${m.line}) overrides it for matching logins`);
  }
  return out;
}
