import React, { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import Spinner from 'ink-spinner';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { KeyHints } from '../components/KeyHints.js';
import { Table, type TableColumn, type TableRow } from '../components/Table.js';
import { TextInput } from '../components/TextInput.js';
import { findBinding } from '../components/key-bindings.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import { inputFromProfile, nextColour, type HostField, type HostInput, type HostRow, type HostsActions, type HostsSnapshot, type HostTest } from '../src/model/hosts-store.js';
import { PROFILE_COLOURS } from '../src/config/profile-schema.js';
import { serverColour } from '../src/render/server-colour.js';
import { fitColumns } from '../src/render/columns.js';
import type { DoctorStatus } from '../src/transport/diagnose.js';
import { DEFAULT_DOCKER_SOCKET } from '../src/transport/target.js';
import { hostFormKeys, visibleHostsKeys } from './hosts-keys.js';

export interface HostsProps {
  hosts: ExternalStore<HostsSnapshot>;
  actions: HostsActions;
  width: number;
  height: number;
  color: boolean;
  /** Hide and refuse add / default / remove (they edit the local profile file). */
  readonly?: boolean;
  /** Enter on a server: connect to it. */
  onPick: (name: string) => void;
  onBack: () => void;
  onHelp: () => void;
}

const FORM: readonly { field: HostField; prompt: string; help: string }[] = [
  { field: 'name', prompt: 'name: ', help: 'a short name for the server, used as --host NAME' },
  { field: 'destination', prompt: 'destination: ', help: '[user@]host[:port], or a Host alias from your ssh_config' },
  { field: 'socket', prompt: 'docker socket: ', help: `enter for ${DEFAULT_DOCKER_SOCKET}; rootless Docker lives at /run/user/UID/docker.sock` },
  { field: 'composeDir', prompt: 'compose dir: ', help: 'where the compose files live on the server (optional: enter to skip)' },
  { field: 'group', prompt: 'group: ', help: 'the fleet it belongs to, e.g. shop: opsdeck --group shop (optional)' },
  { field: 'environment', prompt: 'environment: ', help: 'production, staging or another word (optional); production asks for the name to be typed before a restart or stop' },
  { field: 'colour', prompt: 'colour: ', help: `tab goes through the colours; its name is drawn in it on every screen (optional; production without one is red)` },
  { field: 'readonly', prompt: 'read-only: ', help: 'y: always open it read-only, as with --readonly; n or enter: no' },
];

interface FormState {
  /** Editing a saved profile (its name stays), or adding a new one. */
  editing: string | undefined;
  /** The fields this form asks, in order: an edit does not ask the name, nor a local profile's destination. */
  fields: readonly HostField[];
  step: number;
  values: Partial<Record<HostField, string>>;
  error: string | undefined;
}

function formFor(row: HostRow | undefined): FormState {
  if (!row) return { editing: undefined, fields: FORM.map((f) => f.field), step: 0, values: {}, error: undefined };
  const fields = FORM.map((f) => f.field).filter((f) => f !== 'name' && (f !== 'destination' || !row.local));
  const values: Partial<Record<HostField, string>> = { ...inputFromProfile(row.profile) };
  return { editing: row.name, fields, step: 0, values, error: undefined };
}

function formInput(values: Partial<Record<HostField, string>>): HostInput {
  return {
    name: values.name ?? '',
    destination: values.destination ?? '',
    socket: values.socket ?? '',
    composeDir: values.composeDir ?? '',
    group: values.group ?? '',
    environment: values.environment ?? '',
    colour: values.colour ?? '',
    readonly: values.readonly ?? '',
  };
}

const GLYPH: Record<DoctorStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };
const COLOUR: Record<DoctorStatus, string | undefined> = { pass: 'green', fail: 'red', warn: 'yellow', skip: undefined };
const NOTICE_COLOUR = { ok: 'green', info: 'cyan', warn: 'yellow', error: 'red' } as const;

/** The saved servers: pick one to connect to, add one, test the path to it, choose the default. */
export function Hosts({ hosts, actions, width, height, color, readonly = false, onPick, onBack, onHelp }: HostsProps) {
  const s = useStore(hosts);
  const [selected, setSelected] = useState<string | undefined>();
  const [form, setForm] = useState<FormState | undefined>();
  const [removing, setRemoving] = useState<HostRow | undefined>();
  const keys = visibleHostsKeys(readonly);
  const c = (name: string | undefined) => (color ? name : undefined);

  const index = Math.max(0, s.rows.findIndex((r) => r.name === selected));
  // Keys of one read (arrows held over SSH) are handled before React renders again: they move
  // from the ref, and enter acts on the row they reached.
  const selectedRef = useRef(selected);
  if (!s.rows.some((r) => r.name === selectedRef.current)) selectedRef.current = s.rows[index]?.name;
  const picked = (): HostRow | undefined => s.rows[Math.max(0, s.rows.findIndex((r) => r.name === selectedRef.current))];
  const current: HostRow | undefined = s.rows[index];
  const move = (to: (from: number) => number) => {
    if (s.rows.length === 0) return;
    const name = s.rows[Math.min(s.rows.length - 1, Math.max(0, to(Math.max(0, s.rows.findIndex((r) => r.name === selectedRef.current)))))]!.name;
    selectedRef.current = name;
    setSelected(name);
  };

  useKeypress(
    (input, key) => {
      const b = findBinding(keys, input, key);
      if (!b) return;
      if (b.action !== 'back' && b.action !== 'help') actions.clearNotice();
      switch (b.action) {
        case 'down':
          return move((i) => i + 1);
        case 'up':
          return move((i) => i - 1);
        case 'top':
          return move(() => 0);
        case 'bottom':
          return move(() => s.rows.length - 1);
        case 'pick': {
          const row = picked();
          if (row) onPick(row.name);
          return;
        }
        case 'test': {
          const row = picked();
          if (row) actions.test(row.name);
          return;
        }
        case 'add':
          if (s.fileError) return;
          return setForm(formFor(undefined));
        case 'edit': {
          const row = picked();
          if (s.fileError || !row) return;
          return setForm(formFor(row));
        }
        case 'default': {
          const row = picked();
          if (row) actions.toggleDefault(row.name);
          return;
        }
        case 'remove':
          if (picked()) setRemoving(picked());
          return;
        case 'reload':
          return actions.reload();
        case 'back':
          return onBack();
        case 'help':
          return onHelp();
      }
    },
  );

  const submitField = (raw: string) => {
    if (!form) return;
    const field = form.fields[form.step]!;
    const value = raw.trim();
    const values = { ...form.values, [field]: value };
    const error = actions.checkField(field, value);
    if (error) return setForm({ ...form, values, error });
    if (form.step < form.fields.length - 1) return setForm({ ...form, step: form.step + 1, values, error: undefined });
    const r = form.editing !== undefined ? actions.edit(form.editing, formInput(values)) : actions.add(formInput(values));
    if (r.ok) {
      setForm(undefined);
      selectedRef.current = r.name;
      setSelected(r.name);
      return;
    }
    // Back to the field at fault, if there is one, with the one-line reason.
    const at = r.field ? form.fields.indexOf(r.field) : -1;
    setForm({ ...form, step: at >= 0 ? at : form.step, values, error: r.error });
  };

  const test = current ? s.tests.get(current.name) : undefined;
  const panel = form ? 2 + form.fields.length + 3 : test?.status === 'done' ? test.report.steps.length * 2 + 3 : 3;
  const tableHeight = Math.max(1, Math.min(s.rows.length, height - 6 - panel));
  const cols = fitColumns(
    [
      { id: 'mark', min: 2, priority: 1 },
      { id: 'name', min: 10, priority: 0, flex: 1, max: 20 },
      { id: 'destination', min: 14, priority: 2, flex: 2, max: 36 },
      { id: 'socket', min: 14, priority: 3, flex: 2, max: 34 },
      { id: 'composeDir', min: 11, priority: 4, flex: 1, max: 30 },
      // Only once some profile has one: a list of plain servers keeps its width for the paths.
      ...(s.rows.some((r) => r.group) ? [{ id: 'group', min: 5, priority: 5, flex: 1, max: 16 }] : []),
      ...(s.rows.some((r) => r.environment || r.readonly) ? [{ id: 'environment', min: 10, priority: 5, flex: 1, max: 16 }] : []),
    ],
    width,
  );
  const HEADERS: Record<string, string> = { mark: '', name: 'NAME', destination: 'DESTINATION', socket: 'DOCKER SOCKET', composeDir: 'COMPOSE DIR', group: 'GROUP', environment: 'ENV' };
  const columns: TableColumn[] = cols.map((col) => ({ key: col.id, header: HEADERS[col.id]!, width: col.width }));
  const rows: TableRow[] = s.rows.map((r) => ({
    id: r.name,
    cells: {
      // The same colour as the top bar's once connected: the eye learns one colour per server.
      name: { text: r.name, bold: r.isConnected, ...(colourOf(r) ? { color: colourOf(r)! } : {}) },
      group: r.group,
      environment: { text: [r.environment, r.readonly ? 'ro' : ''].filter(Boolean).join(' '), ...(r.environment === 'production' ? { bold: true } : {}) },
      mark: { text: `${r.isConnected ? '●' : ' '}${r.isDefault ? '*' : ''}`, color: 'green' },
      destination: r.destination,
      socket: { text: r.socket, dim: r.socketIsDefault },
      composeDir: r.composeDir,
    },
  }));

  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">{`Servers · ${s.rows.length} saved in ${s.path}`}</Text>
      {s.fileError ? (
        <Box flexDirection="column" marginY={1}>
          <Text color={c('red')} wrap="wrap">{s.fileError.message}</Text>
          {s.fileError.hint ? <Text wrap="wrap">{s.fileError.hint}</Text> : null}
          <Text dimColor>Fix the file, then press r to read it again.</Text>
        </Box>
      ) : s.rows.length === 0 ? (
        <Box marginY={1}>
          <Text>{readonly ? 'No saved servers.' : 'No saved servers yet. Press a to add one (or: opsdeck hosts add NAME user@host[:port]).'}</Text>
        </Box>
      ) : (
        <Box flexDirection="column">
          <Table columns={columns} rows={rows} selectedId={current?.name} height={tableHeight} color={color} />
          {s.rows.some((r) => r.isConnected || r.isDefault || r.readonly) ? (
            <Text dimColor wrap="truncate-end">
              {[
                s.rows.some((r) => r.isConnected) ? '● connected now' : '',
                s.rows.some((r) => r.isDefault) ? '* default (opened when no --host is given)' : '',
                s.rows.some((r) => r.readonly) ? 'ro opens read-only' : '',
              ]
                .filter(Boolean)
                .join('  ')}
            </Text>
          ) : null}
        </Box>
      )}
      {form ? (
        <HostForm form={form} color={color} onSubmit={submitField} onCancel={() => setForm(undefined)} width={width} />
      ) : removing ? (
        <ConfirmDialog
            title={`Remove '${removing.name}' (${removing.destination})?`}
            detail={`Deletes the saved profile from ${s.path}; the server, its known_hosts entry and your keys stay as they are.${removing.isConnected ? ' This session stays connected until you pick another server.' : ''}`}
            color={color}
            width={width}
            onAnswer={(yes) => {
              const name = removing.name;
              setRemoving(undefined);
              if (yes) actions.remove(name);
            }}
          />
      ) : current ? (
        <TestPanel name={current.name} test={test} color={color} />
      ) : null}
      {s.notice && !form && !removing ? (
        <Text color={c(NOTICE_COLOUR[s.notice.level])} wrap="truncate-end">
          {s.notice.text}
        </Text>
      ) : null}
      {form ? <KeyHints bindings={form.fields[form.step] === 'colour' ? hostFormKeys : hostFormKeys.filter((b) => b.action !== 'colour')} width={width} /> : !removing ? <KeyHints bindings={keys} width={width} /> : null}
    </Box>
  );
}

function colourOf(r: HostRow): string | undefined {
  return serverColour({ ...(r.colour ? { colour: r.colour } : {}), ...(r.environment ? { environment: r.environment } : {}) });
}

const FORM_FIELD = new Map(FORM.map((f) => [f.field, f]));

function HostForm({ form, color, onSubmit, onCancel, width }: { form: FormState; color: boolean; onSubmit: (v: string) => void; onCancel: () => void; width: number }) {
  const field = FORM_FIELD.get(form.fields[form.step]!)!;
  // The colour field offers the rest of the first colour that starts with what is typed.
  const [typed, setTyped] = useState(form.values[field.field] ?? '');
  const offer = field.field === 'colour' && typed ? PROFILE_COLOURS.find((c) => c.toLowerCase().startsWith(typed.toLowerCase()) && c.length > typed.length) : undefined;
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={Math.min(width, 100)}>
      <Text bold>{form.editing !== undefined ? `Edit ${form.editing}` : 'Add a server'}</Text>
      {form.fields.slice(0, form.step).map((f) => {
        const value = form.values[f];
        const shown = FORM_FIELD.get(f)!.prompt;
        // A chosen colour is shown in that colour: what the name will look like.
        if (f === 'colour' && value) return <Text key={f} wrap="truncate-end">{shown}<Text color={color ? value : undefined}>{value}</Text></Text>;
        return <Text key={f} wrap="truncate-end">{`${shown}${value || '(default)'}`}</Text>;
      })}
      <TextInput
        key={form.step}
        prefix={field.prompt}
        initial={form.values[field.field] ?? ''}
        onSubmit={onSubmit}
        onCancel={onCancel}
        onChange={setTyped}
        {...(field.field === 'colour' ? { complete: nextColour, suggestion: offer?.slice(typed.length) } : {})}
      />
      {form.error ? (
        <Text color={color ? 'red' : undefined} wrap="truncate-end">
          {form.error}
        </Text>
      ) : (
        <Text dimColor wrap="truncate-end">
          {field.help}
        </Text>
      )}
    </Box>
  );
}

function TestPanel({ name, test, color }: { name: string; test: HostTest | undefined; color: boolean }) {
  const c = (x: string | undefined) => (color ? x : undefined);
  if (!test) {
    return (
      <Box marginTop={1}>
        <Text dimColor wrap="truncate-end">{`t tests the path to ${name}: name resolution, TCP, SSH, host key, login, Docker socket, Engine, compose`}</Text>
      </Box>
    );
  }
  if (test.status === 'running') {
    return (
      <Box marginTop={1}>
        <Text>
          <Spinner /> {`testing ${name}…`}
        </Text>
      </Box>
    );
  }
  if (test.status === 'error') {
    return (
      <Box flexDirection="column" marginTop={1}>
        <Text color={c('red')} wrap="wrap">{`✗ ${name}: the test could not run: ${test.message}`}</Text>
        {test.hint ? <Text wrap="wrap">{`  fix: ${test.hint}`}</Text> : null}
      </Box>
    );
  }
  const r = test.report;
  const titles = r.steps.map((st) => (st.hop ? `${st.title} [${st.hop}]` : st.title));
  const w = Math.max(0, ...titles.map((t) => t.length));
  const warned = r.steps.some((st) => st.status === 'warn');
  const where = r.target.kind === 'local' ? 'on this machine' : `${r.target.destination}${r.target.via ? `, ${r.target.via}` : ''}`;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold wrap="truncate-end">{`Test of ${r.target.label} (${where}), Docker socket ${r.target.socketPath}`}</Text>
      {r.steps.map((st, i) => (
        <Box key={i} flexDirection="column">
          {/* Details and hints wrap under their own column: they carry the exact path, user and fix. */}
          <Box>
            <Box flexShrink={0}>
              <Text>
                {'  '}
                <Text color={c(COLOUR[st.status])}>{GLYPH[st.status]}</Text>
                {` ${titles[i]!.padEnd(w)}  `}
              </Text>
            </Box>
            <Text dimColor={st.status === 'skip'} wrap="wrap">
              {st.detail}
            </Text>
          </Box>
          {st.hint ? (
            <Box paddingLeft={4}>
              <Text dimColor={st.status === 'pass'} wrap="wrap">
                {`${st.status === 'pass' ? 'note' : 'fix'}: ${st.hint}`}
              </Text>
            </Box>
          ) : null}
        </Box>
      ))}
      <Text color={c(r.ok ? 'green' : 'red')}>{r.ok ? (warned ? 'All checks passed (see the warnings).' : 'All checks passed.') : 'Some checks failed.'}</Text>
    </Box>
  );
}
