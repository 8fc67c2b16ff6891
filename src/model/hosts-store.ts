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
import { ComposeSchema, PROFILE_COLOURS, ProfileName, profileFields, type Profile, type ProfileColour } from '../config/profile-schema.js';
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
  /** The fleet and environment the profile names ('' when it names none). */
  group: string;
  environment: string;
  /** The profile's own colour; what the name is drawn in is src/render/server-colour.ts's call. */
  colour: ProfileColour | undefined;
  /** The profile itself as saved, for the edit form. */
  profile: Profile;
  readonly: boolean;
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

export type HostField = 'name' | 'destination' | 'socket' | 'composeDir' | 'group' | 'environment' | 'colour' | 'readonly';

/** The order the form asks for them (and a refused save points back to the first at fault). */
export const HOST_FIELDS: readonly HostField[] = ['name', 'destination', 'socket', 'composeDir', 'group', 'environment', 'colour', 'readonly'];

/** What the add form collects; empty optional fields mean "not set". */
export interface HostInput {
  name: string;
  /** `[user@]host[:port]` or an ssh_config Host alias. */
  destination: string;
  socket?: string;
  composeDir?: string;
  group?: string;
  environment?: string;
  /** One of PROFILE_COLOURS, or empty for none. */
  colour?: string;
  /** y / yes / n / no; empty is no. */
  readonly?: string;
}

export type AddResult = { ok: true; name: string } | { ok: false; field: HostField | undefined; error: string };

export interface HostsActions {
  /** Read the file again (after fixing it by hand, or a change from another terminal). */
  reload(): void;
  /** One field of the add form: undefined when it is acceptable, else one line saying what is wrong. */
  checkField(field: HostField, value: string): string | undefined;
  /** Validate and save; on failure the file is left as it was. */
  add(input: HostInput): AddResult;
  /**
   * Save the form over the saved profile `name` (the name itself stays). What the form does not
   * show (identity file, projects, backup and unlock settings) is kept as it was.
   */
  edit(name: string, input: HostInput): AddResult;
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

const FIELD_LABEL: Record<HostField, string> = {
  name: 'name',
  destination: 'destination',
  socket: 'docker socket',
  composeDir: 'compose dir',
  group: 'group',
  environment: 'environment',
  colour: 'colour',
  readonly: 'read-only',
};

const YES = ['y', 'yes'];
const NO = ['', 'n', 'no'];

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
    group: p.group ?? '',
    environment: p.environment ?? '',
    colour: p.colour,
    readonly: p.readonly === true,
    profile: p,
  };
}

/** The form's values for a saved profile (what the edit form starts from). */
export function inputFromProfile(p: Profile): HostInput {
  return {
    name: p.name,
    destination: destinationOf(p),
    socket: p.socket ?? '',
    composeDir: p.compose?.directory ?? '',
    group: p.group ?? '',
    environment: p.environment ?? '',
    colour: p.colour ?? '',
    readonly: p.readonly ? 'yes' : 'no',
  };
}

/** Tab in the colour field: complete a typed start, or on a full name go to the next colour. */
export function nextColour(typed: string): ProfileColour {
  const value = typed.trim().toLowerCase();
  const at = PROFILE_COLOURS.findIndex((c) => c.toLowerCase() === value);
  if (at >= 0) return PROFILE_COLOURS[(at + 1) % PROFILE_COLOURS.length]!;
  return PROFILE_COLOURS.find((c) => c.toLowerCase().startsWith(value)) ?? PROFILE_COLOURS[0];
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
    case 'composeDir':
    case 'group':
    case 'environment':
    case 'colour': {
      if (!value) return undefined;
      const schema = { socket: profileFields.socket, composeDir: ComposeSchema.shape.directory, group: profileFields.group, environment: profileFields.environment, colour: profileFields.colour }[field];
      const r = schema.safeParse(value);
      return r.success ? undefined : `${label}: ${r.error.issues[0]?.message ?? 'invalid'}`;
    }
    case 'readonly':
      return YES.includes(value.toLowerCase()) || NO.includes(value.toLowerCase()) ? undefined : `${label}: answer y (always open it read-only) or n`;
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
  return { ...profile, ...markingsFromInput(input) };
}

function markingsFromInput(input: HostInput): Pick<Profile, 'group' | 'environment' | 'colour' | 'readonly'> {
  const group = input.group?.trim();
  const environment = input.environment?.trim();
  const colour = input.colour?.trim();
  return {
    ...(group ? { group } : {}),
    ...(environment ? { environment } : {}),
    // checkHostField has held it against PROFILE_COLOURS; the store's schema checks it again.
    ...(colour ? { colour: colour as ProfileColour } : {}),
    ...(YES.includes(input.readonly?.trim().toLowerCase() ?? '') ? { readonly: true } : {}),
  };
}

/**
 * The edit form over a saved profile: the fields the form shows replace theirs, everything else
 * the profile has (identity file, password login, projects, backup, unlock) is kept.
 */
export function editedProfile(saved: Profile, input: HostInput): Profile {
  const form = profileFromInput({ ...input, name: saved.name });
  const { group: _g, environment: _e, colour: _c, readonly: _r, socket: _s, ...kept } = saved;
  const next: Profile = { ...kept, ...form, name: saved.name };
  if (form.ssh && !saved.local) {
    next.ssh = { ...form.ssh, ...pick(saved.ssh, ['identityFile', 'allowPassword']) };
  } else if (saved.local) {
    // A local profile stays local: the form's destination shows "local" and is not a host.
    delete next.ssh;
    next.local = true;
  }
  const projects = saved.compose?.projects;
  const directory = form.compose?.directory;
  if (directory || projects) next.compose = { ...(directory ? { directory } : {}), ...(projects ? { projects } : {}) };
  else delete next.compose;
  return next;
}

function pick<T extends object, K extends keyof T>(o: T | undefined, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o && o[k] !== undefined) out[k] = o[k];
  return out;
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
      edit: (name, input) => this.#edit(name, input),
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
    const refused = checkInput(input, existing ?? []);
    if (refused) return refused;
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

  #edit(name: string, input: HostInput): AddResult {
    const existing = this.#namesNow();
    if (existing === undefined) {
      const e = this.getSnapshot().fileError;
      return { ok: false, field: undefined, error: e ? e.message : 'the profile file cannot be read' };
    }
    // The name is not asked again: the other names only matter to an add.
    const refused = checkInput({ ...input, name }, [], (f) => f !== 'destination' || !this.#profiles.get(name)?.local);
    if (refused) return refused;
    let profile: Profile;
    try {
      const saved = this.#profiles.get(name);
      if (!saved) return { ok: false, field: undefined, error: `'${name}' is not saved any more` };
      profile = editedProfile(saved, input);
      this.#profiles.add(profile, { replace: true });
    } catch (err) {
      const e = describeError(err, this.#profiles.path);
      this.#reload();
      return { ok: false, field: undefined, error: e.message };
    }
    this.#reload({ text: `saved '${name}' (${sanitise(destinationOf(profile))}) in ${this.#profiles.path}`, level: 'ok' });
    return { ok: true, name };
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

/** The first field of the form at fault, with its one line; undefined when every field is acceptable. */
function checkInput(input: HostInput, existing: readonly string[], checked: (f: HostField) => boolean = () => true): AddResult | undefined {
  for (const field of HOST_FIELDS) {
    if (!checked(field)) continue;
    const error = checkHostField(field, input[field] ?? '', existing);
    if (error) return { ok: false, field, error };
  }
  return undefined;
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
