/**
 * Saved server profiles in a `conf` store, validated with zod on every read and every write.
 *
 * A file we cannot read (not JSON, wrong type, unknown key, bad port) is a UserError naming the
 * file, the field and the problem, and the file is never touched: conf 15 keeps
 * `clearInvalidConfig` off by default, we pass no `defaults` (conf rewrites the file on open to
 * merge defaults) and no migrations, and validation runs inside conf's `deserialize`, so a
 * bad file throws before conf could write anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import type { z } from 'zod';
import { UserError } from '../errors.js';
import { profileStorePath, type ProfileStoreOptions } from './profile-path.js';
import { ProfileBodySchema, ProfileName, StoreSchema, profileFields, type Profile, type ProfileBody, type StoreData } from './profile-schema.js';

export { profileStorePath, type ProfileStoreOptions };

const FIX_HINT = 'Fix the file by hand (opsdeck never rewrites a file it cannot read), or point --config / OPSDECK_CONFIG elsewhere.';

export class ProfileStore {
  readonly path: string;
  #conf: Conf<Record<string, unknown>> | undefined;

  constructor(opts: ProfileStoreOptions = {}) {
    this.path = profileStorePath(opts);
  }

  /** Open the store and check the file now, so a bad file is reported before anything else happens. */
  static open(opts: ProfileStoreOptions = {}): ProfileStore {
    const store = new ProfileStore(opts);
    store.read();
    return store;
  }

  list(): Profile[] {
    const data = this.read();
    return Object.entries(data.profiles ?? {})
      .map(([name, body]) => ({ name, ...body }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): Profile | undefined {
    const body = this.read().profiles?.[name];
    return body ? { name, ...body } : undefined;
  }

  defaultName(): string | undefined {
    return this.read().defaultProfile;
  }

  /** Add or (with replace) overwrite a profile. The result is validated before it is written. */
  add(profile: Profile, opts: { replace?: boolean; makeDefault?: boolean } = {}): void {
    const { name, ...body } = profile;
    const nameCheck = ProfileName.safeParse(name);
    if (!nameCheck.success) throw new UserError(`profile name '${name}': ${nameCheck.error.issues[0]?.message ?? 'invalid'}`);
    const bodyCheck = ProfileBodySchema.safeParse(body);
    if (!bodyCheck.success) throw new UserError(`profile '${name}': ${formatIssues(bodyCheck.error.issues, body)}`);
    const data = this.read();
    const profiles = { ...(data.profiles ?? {}) };
    if (profiles[name] && !opts.replace) throw new UserError(`a profile named '${name}' already exists in ${this.path}`, { hint: `Remove it first with 'opsdeck hosts remove ${name}'.` });
    profiles[name] = bodyCheck.data;
    this.write({ ...data, version: 1, profiles, ...(opts.makeDefault ? { defaultProfile: name } : {}) });
  }

  /** Returns false when there was no such profile. */
  remove(name: string): boolean {
    const data = this.read();
    if (!data.profiles?.[name]) return false;
    const profiles = { ...data.profiles };
    delete profiles[name];
    const next: StoreData = { ...data, version: 1, profiles };
    if (next.defaultProfile === name) delete next.defaultProfile;
    this.write(next);
    return true;
  }

  setDefault(name: string | undefined): void {
    const data = this.read();
    const next: StoreData = { ...data, version: 1 };
    if (name === undefined) delete next.defaultProfile;
    else next.defaultProfile = name;
    this.write(next);
  }

  /** The whole validated file; {} when it does not exist yet. */
  read(): StoreData {
    if (!fs.existsSync(this.path)) return {};
    const conf = this.conf();
    // conf re-reads the file on every access; our deserialize validates it each time.
    return conf.store as StoreData;
  }

  private write(data: StoreData): void {
    const check = StoreSchema.safeParse(data);
    // A write that would produce an invalid file is a bug in the caller, not the user's doing.
    if (!check.success) throw new Error(`refusing to write an invalid profile store: ${formatIssues(check.error.issues, data)}`);
    this.#ensureDirectory();
    this.conf().store = check.data as Record<string, unknown>;
  }

  /**
   * Created 0700 before conf would create it with the umask's 0755: the directory also holds the
   * initramfs known_hosts, and which servers someone runs is nobody else's business.
   */
  #ensureDirectory(): void {
    fs.mkdirSync(path.dirname(this.path), { recursive: true, mode: 0o700 });
  }

  private conf(): Conf<Record<string, unknown>> {
    if (this.#conf) return this.#conf;
    this.#ensureDirectory();
    const ext = path.extname(this.path);
    const file = this.path;
    this.#conf = new Conf<Record<string, unknown>>({
      cwd: path.dirname(file),
      configName: ext ? path.basename(file, ext) : path.basename(file),
      fileExtension: ext ? ext.slice(1) : '',
      projectSuffix: '',
      accessPropertiesByDotNotation: false,
      clearInvalidConfig: false,
      // Profiles name servers and key paths: not secret, but nobody else's business.
      configFileMode: 0o600,
      serialize: (value) => JSON.stringify(value, null, 2) + '\n',
      deserialize: (text) => parseStoreText(text, file) as Record<string, unknown>,
    });
    return this.#conf;
  }
}

/** Parse and validate the file's text; every problem is one UserError line naming file and field. */
export function parseStoreText(text: string, file: string): StoreData {
  if (text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON: ${describeJsonError(err, text)}`, { hint: FIX_HINT });
  }
  const r = StoreSchema.safeParse(raw);
  if (!r.success) throw new UserError(`${file}: ${formatIssues(r.error.issues, raw)}`, { hint: FIX_HINT });
  return r.data;
}

function describeJsonError(err: unknown, text: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  const pos = /position (\d+)/.exec(msg);
  const base = msg.replace(/^JSON\.parse: /, '').replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, '');
  if (!pos) return base;
  const before = text.slice(0, Number(pos[1]));
  const line = before.split('\n').length;
  const col = before.length - before.lastIndexOf('\n');
  return `${base} at line ${line}, column ${col}`;
}

// A key or value quoted in the one-line error: a fuzzed file can hold a 10 MB key.
const QUOTE_MAX = 40;

function pathString(p: readonly PropertyKey[]): string {
  if (p.length === 0) return '(top level)';
  return p
    .map((k, i) => {
      const full = String(k);
      const s = full.length > QUOTE_MAX ? full.slice(0, QUOTE_MAX - 3) + '...' : full;
      if (typeof k === 'number') return `[${k}]`;
      const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : JSON.stringify(s);
      return i === 0 ? plain : `.${plain}`;
    })
    .join('');
}

function valueAt(data: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function shortJson(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? 'nothing' : JSON.stringify(v);
  } catch {
    // Nested deeper than JSON.stringify's stack allows (JSON.parse is not recursive and took it).
    return Array.isArray(v) ? 'a deeply nested array' : 'a deeply nested object';
  }
  return s.length > QUOTE_MAX ? s.slice(0, QUOTE_MAX - 3) + '...' : s;
}

/** Known keys at a path, for "did you mean" on unknown keys. */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': ['version', 'defaultProfile', 'profiles'],
  profile: Object.keys(profileFields),
  ssh: ['host', 'user', 'port', 'identityFile', 'allowPassword'],
  compose: ['directory', 'projects'],
};

function closest(word: string, candidates: readonly string[]): string | undefined {
  // No field name is near a key this long; the edit distance of a 10 MB key took seconds.
  if (word.length > QUOTE_MAX) return undefined;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= 2 ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The first problem as "field: what is wrong (found X)", plus a count of the others. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], data: unknown): string {
  const first = issues[0];
  if (!first) return 'invalid';
  let text: string;
  if (first.code === 'unrecognized_keys') {
    const key = first.keys[0] ?? '';
    const where = first.path;
    const kind = where.length === 0 ? '' : where.length === 2 && where[0] === 'profiles' ? 'profile' : String(where[where.length - 1]);
    const suggestion = closest(key, KNOWN_KEYS[kind] ?? []);
    text = `${pathString([...where, key])}: unknown field${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`;
  } else if (first.code === 'invalid_key') {
    const inner = first.issues[0]?.message ?? 'invalid name';
    text = `${pathString(first.path)}: ${inner}`;
  } else {
    const found = valueAt(data, first.path);
    const msg = first.message.replace(/^Invalid input: /, '');
    text = `${pathString(first.path)}: ${msg}${first.code === 'custom' ? '' : ` (found ${shortJson(found)})`}`;
  }
  const more = issues.length - 1;
  return more > 0 ? `${text} (and ${more} more problem${more === 1 ? '' : 's'})` : text;
}

export type { Profile, ProfileBody };
