/**
 * The Hosts screen's model: the saved server profiles (src/config/profile-store.ts) as rows,
 * which one is the default and which one this session is connected to; adding, removing and
 * choosing the default; and `test`, which runs doctor's diagnose() for one profile with the
 * session's prompter (a host-key question or a passphrase shows as the App's dialog).
 *
 * The profile file is the user's own and is re-read on every action, so a change made with
 * `opsdeck hosts add` in another terminal shows up, and a file that turned bad is reported as
 * one line (never rewritten: ProfileStore reads and validates before any write). Nothing here
 * throws at the screen: every failure becomes a notice or the file error.
 */
import { Store } from './store.js';
import { UserError } from '../errors.js';
import type { ConnectionFlags } from '../transport/connection-flags.js';
import { ProfileStore } from '../config/profile-store.js';
import { ComposeSchema, ProfileName, profileFields, type Profile } from '../config/profile-schema.js';
import { sanitise } from '../text/sanitise.js';
import { diagnose, type DoctorReport } from '../transport/diagnose.js';
import { refusingPrompter, type Prompter } from '../transport/prompter.js';
import { DEFAULT_DOCKER_SOCKET, parseDestination, resolveTarget } from '../transport/target.js';

export interface HostRow {
  name: string;
  /** `user@host:port`, an ssh_config alias as written, or "local". */
  destination: string;
  local: boolean;
  /** The Docker socket on the server; `socketIsDefault` when the profile does not set one. */
  socket: string;
  socketIsDefault: boolean;
  composeDir: string;
  projects: readonly string[];
  isDefault: boolean;
  /** The profile this TUI session is connected to. */
  isConnected: boolean;
}

export type HostTest =
  | { status: 'running' }
  | { status: 'done'; report: DoctorReport }
  /** The test could not even start (ssh_config unreadable, profile gone): one line and a hint. */
  | { status: 'error'; message: string; hint?: string };

export type NoticeLevel = 'ok' | 'info' | 'warn' | 'error';

export interface HostsSnapshot {
  /** The profile file in use (--config, OPSDECK_CONFIG or the user config dir). */
  path: string;
  rows: readonly HostRow[];
  /** The file cannot be read: one line naming file, field and problem. Nothing is changed until it is fixed. */
  fileError: { message: string; hint?: string } | undefined;
  /** The latest test of each profile, by name. */
  tests: ReadonlyMap<string, HostTest>;
  /** The outcome of the last action, for the status line. */
  notice: { text: string; level: NoticeLevel } | undefined;
}

export type HostField = 'name' | 'destination' | 'socket' | 'composeDir';

/** What the add form collects; empty optional fields mean "not set". */
export interface HostInput {
  name: string;
  /** `[user@]host[:port]` or an ssh_config Host alias. */
  destination: string;
  socket?: string;
  composeDir?: string;
}

export type AddResult = { ok: true; name: string } | { ok: false; field: HostField | undefined; error: string };

export interface HostsActions {
  /** Read the file again (after fixing it by hand, or a change from another terminal). */
  reload(): void;
  /** One field of the add form: undefined when it is acceptable, else one line saying what is wrong. */
  checkField(field: HostField, value: string): string | undefined;
  /** Validate and save; on failure the file is left as it was. */
  add(input: HostInput): AddResult;
  remove(name: string): void;
  /** Make this the default; on the current default, clear it. */
  toggleDefault(name: string): void;
  /** Run doctor's checks for this profile; the result lands in `tests[name]`. */
  test(name: string): void;
  clearNotice(): void;
}

export interface HostsStoreOptions {
  /** --config PATH (else flags.config, else OPSDECK_CONFIG, else the user config dir). */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** The session's flags: `ssh-config` and `accept-new` apply to tests as they do to the session. */
  flags?: ConnectionFlags;
  /** The session's prompter (the TUI's PromptStore). Without one, unknown hosts are refused and no passphrase is asked. */
  prompter?: Prompter;
  /** The profile name this session is connected to (session.target.profile?.name). */
  connected?: string | undefined;
}

const FIELD_LABEL: Record<HostField, string> = { name: 'name', destination: 'destination', socket: 'docker socket', composeDir: 'compose dir' };

/** Errors become one line: a message may quote the file or a server. */
function oneLine(s: string): string {
  return sanitise(s.replace(/\s*\n\s*/g, ' ').trim());
}

function describeError(err: unknown, file: string): { message: string; hint?: string } {
  if (err instanceof UserError) return { message: oneLine(err.message), ...(err.hint ? { hint: oneLine(err.hint) } : {}) };
  // Not a validation problem (a directory where the file should be, no permission): still one line.
  const e = err as NodeJS.ErrnoException;
  return { message: oneLine(`${file}: ${e?.message ?? String(err)}`), hint: 'Check that the path names a readable file, or point --config / OPSDECK_CONFIG elsewhere.' };
}

export function destinationOf(p: Profile): string {
  if (p.local || !p.ssh) return 'local';
  const s = p.ssh;
  return `${s.user ? `${s.user}@` : ''}${s.host.includes(':') ? `[${s.host}]` : s.host}${s.port ? `:${s.port}` : ''}`;
}

export function hostRow(p: Profile, def: string | undefined, connected: string | undefined): HostRow {
  return {
    name: p.name,
    destination: sanitise(destinationOf(p)),
    local: p.local === true,
    socket: sanitise(p.socket ?? DEFAULT_DOCKER_SOCKET),
    socketIsDefault: p.socket === undefined,
    composeDir: sanitise(p.compose?.directory ?? ''),
    projects: p.compose?.projects ?? [],
    isDefault: p.name === def,
    isConnected: p.name === connected,
  };
}

/** The add form's field checks, with the profile schema's own pieces so the form and the file agree. */
export function checkHostField(field: HostField, raw: string, existing: readonly string[] = []): string | undefined {
  const value = raw.trim();
  const label = FIELD_LABEL[field];
  switch (field) {
    case 'name': {
      if (!value) return 'name: give the server a short name (used as --host NAME)';
      const r = ProfileName.safeParse(value);
      if (!r.success) return `name: ${r.error.issues[0]?.message ?? 'invalid'}`;
      if (existing.includes(value)) return `name: a server named '${value}' is already saved`;
      return undefined;
    }
    case 'destination': {
      if (!value) return 'destination: give [user@]host[:port] or an ssh_config Host alias';
      try {
        parseDestination(value);
        return undefined;
      } catch (err) {
        return `destination: ${oneLine((err as Error).message)}`;
      }
    }
    case 'socket':
    case 'composeDir': {
      if (!value) return undefined;
      const schema = field === 'socket' ? profileFields.socket : ComposeSchema.shape.directory;
      const r = schema.safeParse(value);
      return r.success ? undefined : `${label}: ${r.error.issues[0]?.message ?? 'invalid'}`;
    }
  }
}

/** The profile the form describes, built as `opsdeck hosts add` builds it. Throws a UserError on bad input. */
export function profileFromInput(input: HostInput): Profile {
  const d = parseDestination(input.destination);
  const profile: Profile = {
    name: input.name.trim(),
    ssh: { host: d.host, ...(d.user ? { user: d.user } : {}), ...(d.port ? { port: d.port } : {}) },
  };
  const socket = input.socket?.trim();
  const dir = input.composeDir?.trim();
  if (socket) profile.socket = socket;
  if (dir) profile.compose = { directory: dir };
  return profile;
}

export class HostsStore extends Store<HostsSnapshot> {
  readonly actions: HostsActions;
  #profiles: ProfileStore;
  #opts: HostsStoreOptions;
  #connected: string | undefined;

  constructor(opts: HostsStoreOptions = {}) {
    const configPath = opts.configPath ?? opts.flags?.config;
    const profiles = new ProfileStore({ ...(configPath !== undefined ? { configPath } : {}), ...(opts.env ? { env: opts.env } : {}) });
    super({ path: profiles.path, rows: [], fileError: undefined, tests: new Map(), notice: undefined });
    this.#profiles = profiles;
    this.#opts = opts;
    this.#connected = opts.connected;
    this.actions = {
      reload: () => this.#reload(),
      checkField: (field, value) => checkHostField(field, value, this.getSnapshot().rows.map((r) => r.name)),
      add: (input) => this.#add(input),
      remove: (name) => this.#remove(name),
      toggleDefault: (name) => this.#toggleDefault(name),
      test: (name) => void this.#test(name),
      clearNotice: () => this.update((s) => (s.notice ? { ...s, notice: undefined } : s)),
    };
    this.#reload();
  }

  /** After the TUI switches servers. */
  setConnected(name: string | undefined): void {
    this.#connected = name;
    this.update((s) => ({ ...s, rows: s.rows.map((r) => ({ ...r, isConnected: r.name === name })) }));
  }

  protected override onFirstSubscriber(): void {
    // The file may have changed since the screen was last open.
    this.#reload();
  }

  /** Re-read the file; true when it could be read. */
  #reload(notice?: HostsSnapshot['notice']): boolean {
    try {
      const profiles = this.#profiles.list();
      const def = this.#profiles.defaultName();
      const rows = profiles.map((p) => hostRow(p, def, this.#connected));
      this.update((s) => ({ ...s, rows, fileError: undefined, tests: keep(s.tests, rows), notice: notice ?? s.notice }));
      return true;
    } catch (err) {
      this.update((s) => ({ ...s, rows: [], fileError: describeError(err, this.#profiles.path), notice: notice ?? s.notice }));
      return false;
    }
  }

  #fail(err: unknown, what: string): void {
    const e = describeError(err, this.#profiles.path);
    // Re-read: the failure may be the file itself, which then shows as the file error.
    this.#reload({ text: `${what}: ${e.message}`, level: 'error' });
  }

  #add(input: HostInput): AddResult {
    const existing = this.#namesNow();
    for (const field of ['name', 'destination', 'socket', 'composeDir'] as const) {
      const value = field === 'name' ? input.name : field === 'destination' ? input.destination : (input[field] ?? '');
      const error = checkHostField(field, value, existing ?? []);
      if (error) return { ok: false, field, error };
    }
    if (existing === undefined) {
      const e = this.getSnapshot().fileError;
      return { ok: false, field: undefined, error: e ? e.message : 'the profile file cannot be read' };
    }
    let profile: Profile;
    try {
      profile = profileFromInput(input);
      // ProfileStore validates the profile with the file's zod schema and reads the file before writing.
      this.#profiles.add(profile);
    } catch (err) {
      const e = describeError(err, this.#profiles.path);
      this.#reload();
      return { ok: false, field: undefined, error: e.message };
    }
    this.#reload({ text: `saved '${profile.name}' (${sanitise(destinationOf(profile))}) in ${this.#profiles.path}; t tests it`, level: 'ok' });
    return { ok: true, name: profile.name };
  }

  /** The saved names as the file says now; undefined when it cannot be read. */
  #namesNow(): string[] | undefined {
    return this.#reload() ? this.getSnapshot().rows.map((r) => r.name) : undefined;
  }

  #remove(name: string): void {
    try {
      if (!this.#profiles.remove(name)) return void this.#reload({ text: `'${name}' is not saved any more`, level: 'warn' });
    } catch (err) {
      return this.#fail(err, `removing '${name}'`);
    }
    this.update((s) => ({ ...s, tests: without(s.tests, [name]) }));
    const stays = name === this.#connected ? '; this session stays connected to it until you pick another server' : '';
    this.#reload({ text: `removed '${name}'${stays}`, level: 'ok' });
  }

  #toggleDefault(name: string): void {
    try {
      const current = this.#profiles.defaultName();
      if (current === name) {
        this.#profiles.setDefault(undefined);
        return void this.#reload({ text: `'${name}' is no longer the default; without --host opsdeck uses DOCKER_HOST or the local socket`, level: 'ok' });
      }
      if (!this.#profiles.get(name)) return void this.#reload({ text: `'${name}' is not saved any more`, level: 'warn' });
      this.#profiles.setDefault(name);
    } catch (err) {
      return this.#fail(err, 'setting the default');
    }
    this.#reload({ text: `'${name}' is the default: opsdeck opens it when no --host is given`, level: 'ok' });
  }

  async #test(name: string): Promise<void> {
    if (this.getSnapshot().tests.get(name)?.status === 'running') return;
    this.update((s) => ({ ...s, tests: new Map(s.tests).set(name, { status: 'running' }) }));
    let result: HostTest;
    try {
      const flags = this.#opts.flags ?? {};
      const target = await resolveTarget(
        { host: name, ...(flags['ssh-config'] !== undefined ? { 'ssh-config': flags['ssh-config'] } : {}), ...(flags['accept-new'] ? { 'accept-new': true } : {}) },
        this.#opts.env ?? process.env,
        { store: this.#profiles },
      );
      // resolveTarget falls back to ssh_config and user@host for names that are not saved: only test saved ones.
      if (target.profile?.name !== name) throw new UserError(`'${name}' is not saved any more`, { hint: 'Press r to read the profile file again.' });
      const report = await diagnose(target, this.#opts.prompter ?? refusingPrompter, this.#opts.env ? { env: this.#opts.env } : {});
      result = { status: 'done', report: cleanReport(report) };
    } catch (err) {
      const e = describeError(err, this.#profiles.path);
      result = { status: 'error', message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    }
    this.update((s) => ({ ...s, tests: new Map(s.tests).set(name, result) }));
  }
}

/** diagnose() sanitises what it quotes from the server in `detail`; hints can carry error text too. */
function cleanReport(r: DoctorReport): DoctorReport {
  return {
    ...r,
    target: { ...r.target, label: oneLine(r.target.label), destination: oneLine(r.target.destination), socketPath: oneLine(r.target.socketPath), ...(r.target.via ? { via: oneLine(r.target.via) } : {}) },
    steps: r.steps.map((s) => ({ ...s, detail: oneLine(s.detail), ...(s.hint ? { hint: oneLine(s.hint) } : {}), ...(s.hop ? { hop: oneLine(s.hop) } : {}) })),
  };
}

/** Tests of profiles that are no longer in the file are dropped with them. */
function keep(tests: ReadonlyMap<string, HostTest>, rows: readonly HostRow[]): ReadonlyMap<string, HostTest> {
  const names = new Set(rows.map((r) => r.name));
  return without(tests, [...tests.keys()].filter((n) => !names.has(n)));
}

function without<T>(map: ReadonlyMap<string, T>, keys: readonly string[]): ReadonlyMap<string, T> {
  if (!keys.some((k) => map.has(k))) return map;
  const next = new Map(map);
  for (const k of keys) next.delete(k);
  return next;
}
