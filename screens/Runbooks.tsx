import React, { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { TextInput } from '../components/TextInput.js';
import { SecretInput } from '../components/SecretInput.js';
import { Table, type TableColumn, type TableRow } from '../components/Table.js';
import { findBinding } from '../components/key-bindings.js';
import { textInputReducer, type TextInputEvent, type TextInputState } from '../components/text-input-state.js';
import { truncate } from '../src/render/columns.js';
import { checkParamForm } from '../src/runbook/param-check.js';
import type { RunbookEntry } from '../src/runbook/run-store.js';
import type { Runbook } from '../src/runbook/runbook-types.js';
import { paramFormKeys, runbooksKeys } from './runbooks-keys.js';

/** Runbooks offered for a fault: which ones, for what, and the values to start their form with. */
export interface RunbookOffer {
  /** `restart-loop on shop/mailer` */
  label: string;
  ids: readonly string[];
  prefill: Readonly<Record<string, string>>;
}

/** What the list remembers across its trips to the help screen and to a run. */
export interface RunbooksView {
  selected: string | undefined;
  search: string;
  showAll: boolean;
}

export interface RunbooksProps {
  entries: readonly RunbookEntry[];
  /** One line per runbook file that could not be used. */
  problems: readonly string[];
  offer?: RunbookOffer | undefined;
  readonly: boolean;
  width: number;
  height: number;
  color: boolean;
  view?: RunbooksView | undefined;
  onView?: (view: RunbooksView) => void;
  onStart: (runbook: Runbook, params: Map<string, string>, opts: { plan: boolean }) => void;
  onHelp: () => void;
  onBack: () => void;
}

/** The runbooks there are (or those offered for a fault), a search, and the parameter form before a run. */
export function Runbooks(p: RunbooksProps) {
  const [selected, setSelected] = useState<string | undefined>(p.view?.selected);
  const [search, setSearch] = useState(p.view?.search ?? '');
  const [searching, setSearching] = useState(false);
  const [showAll, setShowAll] = useState(p.view?.showAll ?? false);
  const [form, setForm] = useState<{ entry: RunbookEntry; plan: boolean } | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const { onView } = p;
  useEffect(() => {
    onView?.({ selected, search, showAll });
  }, [onView, selected, search, showAll]);

  const offered = p.offer && !showAll;
  const shown = useMemo(() => {
    const base = offered ? p.offer!.ids.map((id) => p.entries.find((e) => e.runbook.id === id)).filter((e): e is RunbookEntry => e !== undefined) : [...p.entries];
    const q = search.trim().toLowerCase();
    return q ? base.filter((e) => [e.id, e.title, e.faults].some((t) => t.toLowerCase().includes(q))) : base;
  }, [p.entries, p.offer, offered, search]);
  const index = Math.max(0, shown.findIndex((e) => e.runbook.id === selected));
  // Keys of one read are handled before React renders again: the selection they move and the
  // runbook enter starts come from this ref, not from this render's state.
  const selectedRef = useRef(selected);
  selectedRef.current = shown.some((e) => e.runbook.id === selectedRef.current) ? selectedRef.current : shown[index]?.runbook.id;
  const at = (): number => Math.max(0, shown.findIndex((e) => e.runbook.id === selectedRef.current));
  const current = shown[index];
  const move = (to: (from: number) => number) => {
    const id = shown[Math.min(shown.length - 1, Math.max(0, to(at())))]?.runbook.id;
    selectedRef.current = id;
    setSelected(id);
  };

  useKeypress(
    (input, key) => {
      const b = findBinding(runbooksKeys, input, key);
      if (!b) return;
      setNotice(undefined);
      switch (b.action) {
        case 'down': return move((i) => i + 1);
        case 'up': return move((i) => i - 1);
        case 'top': return move(() => 0);
        case 'bottom': return move(() => shown.length - 1);
        case 'search': return setSearching(true);
        case 'all': return p.offer ? setShowAll((a) => !a) : undefined;
        case 'run': {
          const chosen = shown[at()];
          if (!chosen) return;
          if (p.readonly) return setNotice('read-only: runbooks run only as plans (p)');
          return setForm({ entry: chosen, plan: false });
        }
        case 'plan': {
          const chosen = shown[at()];
          return chosen ? setForm({ entry: chosen, plan: true }) : undefined;
        }
        case 'help': return p.onHelp();
        case 'back': return p.onBack();
      }
    },
    { isActive: form === undefined },
  );

  if (form) {
    return (
      <ParamForm
        entry={form.entry}
        plan={form.plan}
        prefill={p.offer?.prefill ?? {}}
        width={p.width}
        color={p.color}
        onStart={(params) => {
          setForm(undefined);
          p.onStart(form.entry.runbook, params, { plan: form.plan });
        }}
        onCancel={() => setForm(undefined)}
      />
    );
  }

  const columns = listColumns(shown, p.width);
  const rows: TableRow[] = shown.map((e) => ({
    id: `runbook:${e.runbook.id}`,
    cells: { id: e.id, title: e.title, faults: { text: e.faults || '—', dim: !e.faults }, source: { text: e.source, dim: true } },
  }));
  const problemRows = Math.min(p.problems.length, 5);
  const bodyHeight = Math.max(3, p.height - 6 - problemRows - (p.offer ? 1 : 0));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{`Runbooks · ${shown.length} of ${p.entries.length}`}</Text>
      {p.offer ? (
        <Text color={p.color ? 'yellow' : undefined} wrap="truncate-end">
          {offered ? `offered for ${p.offer.label}${p.offer.ids.length === 0 ? ': none (a shows every runbook)' : ''}` : `every runbook (a: only those offered for ${p.offer.label})`}
        </Text>
      ) : null}
      {p.problems.slice(0, problemRows).map((line, i) => (
        <Text key={i} color={p.color ? 'yellow' : undefined} wrap="truncate-end">{`! ${line}`}</Text>
      ))}
      {p.problems.length > problemRows ? <Text dimColor>{`… and ${p.problems.length - problemRows} more unusable runbook files`}</Text> : null}
      {shown.length > 0 ? (
        <Table columns={columns} rows={rows} selectedId={current ? `runbook:${current.runbook.id}` : undefined} height={bodyHeight} color={p.color} />
      ) : (
        <Text dimColor>{search ? 'no runbook matches the search' : 'no runbooks'}</Text>
      )}
      {current?.description ? <Text dimColor wrap="truncate-end">{current.description}</Text> : null}
      {searching ? (
        <TextInput
          prefix="/"
          initial={search}
          onChange={(text) => {
            setSearch(text);
            setSelected(undefined);
          }}
          onSubmit={() => setSearching(false)}
          onCancel={() => {
            setSearch('');
            setSearching(false);
          }}
        />
      ) : notice ? (
        <Text color={p.color ? 'yellow' : undefined} wrap="truncate-end">{notice}</Text>
      ) : search ? (
        <Text dimColor wrap="truncate-end">{`search: /${search}`}</Text>
      ) : null}
      <KeyHints bindings={p.offer ? runbooksKeys : runbooksKeys.filter((k) => k.action !== 'all')} width={p.width} />
    </Box>
  );
}

/** Id and faults as wide as they need, the title next; the source gets what is left, or goes. */
function listColumns(entries: readonly RunbookEntry[], width: number): TableColumn[] {
  const widest = (f: (e: RunbookEntry) => string, min: number, max: number) => Math.min(max, Math.max(min, ...entries.map((e) => f(e).length)));
  const id = widest((e) => e.id, 7, 28);
  const faults = widest((e) => e.faults, 6, 34);
  const title = widest((e) => e.title, 10, 60);
  const rest = width - id - faults - 2;
  const cols: TableColumn[] = [{ key: 'id', header: 'RUNBOOK', width: id }];
  if (rest >= title + 1 + 12) {
    cols.push({ key: 'title', header: 'TITLE', width: title }, { key: 'faults', header: 'FAULTS', width: faults });
    cols.push({ key: 'source', header: 'SOURCE', width: Math.min(widest((e) => e.source, 6, 60), rest - title - 1) });
  } else {
    cols.push({ key: 'title', header: 'TITLE', width: Math.max(10, rest) }, { key: 'faults', header: 'FAULTS', width: faults });
  }
  return cols;
}

interface ParamFormProps {
  entry: RunbookEntry;
  plan: boolean;
  prefill: Readonly<Record<string, string>>;
  width: number;
  color: boolean;
  onStart: (params: Map<string, string>) => void;
  onCancel: () => void;
}

/**
 * One line per parameter: its value (the default, or what the offer knows, filled in), what it is
 * for and what it allows. A secret one is typed into a SecretInput: only bullets are drawn, its
 * value never reaches React state, and an unfocused one reads `set` or `not set`, never a length.
 */
function ParamForm({ entry, plan, prefill, width, color, onStart, onCancel }: ParamFormProps) {
  const params = entry.params;
  const initial = (): TextInputState[] =>
    params.map((f) => {
      const value = f.secret ? '' : (prefill[f.name] ?? f.default ?? '');
      return { value, cursor: [...value].length };
    });
  const [fields, setFields] = useState<TextInputState[]>(initial);
  const fieldsRef = useRef(fields);
  const [focus, setFocus] = useState(0);
  const focusRef = useRef(0);
  const secrets = useRef(new Map<string, string>());
  const [secretSet, setSecretSet] = useState<ReadonlySet<string>>(new Set());
  const [problems, setProblems] = useState<{ name: string; problem: string }[]>([]);
  useEffect(() => {
    const held = secrets.current;
    return () => held.clear();
  }, []);

  const focusTo = (i: number) => {
    const n = Math.min(params.length - 1, Math.max(0, i));
    focusRef.current = n;
    setFocus(n);
  };
  const edit = (e: TextInputEvent) => {
    const i = focusRef.current;
    const next = fieldsRef.current.map((f, k) => (k === i ? textInputReducer(f, e) : f));
    fieldsRef.current = next;
    setFields(next);
  };
  const submit = () => {
    const values = new Map<string, string | undefined>();
    params.forEach((f, i) => values.set(f.name, f.secret ? secrets.current.get(f.name) : fieldsRef.current[i]!.value));
    const r = checkParamForm(entry.runbook, values);
    if (!r.params) {
      setProblems(r.problems);
      focusTo(params.findIndex((f) => f.name === r.problems[0]!.name));
      return;
    }
    secrets.current.clear();
    onStart(r.params);
  };
  const next = () => (focusRef.current >= params.length - 1 ? submit() : focusTo(focusRef.current + 1));
  const focused = params[focus];

  useKeypress(
    (input, key) => {
      const b = findBinding(paramFormKeys, input, key);
      if (b) {
        switch (b.action) {
          case 'next': return focusTo(focusRef.current + 1);
          case 'previous': return focusTo(focusRef.current - 1);
          case 'submit': return next();
          case 'cancel': return onCancel();
          case 'cycle': {
            const values = params[focusRef.current]?.enum;
            if (!values?.length) return;
            const at = values.indexOf(fieldsRef.current[focusRef.current]!.value);
            return edit({ type: 'set', value: values[(at + 1) % values.length]! });
          }
        }
      }
      if (key.paste) return edit({ type: 'insert', text: input });
      if (key.backspace) return edit({ type: 'backspace' });
      if (key.delete) return edit({ type: 'delete' });
      if (key.leftArrow) return edit({ type: 'left' });
      if (key.rightArrow) return edit({ type: 'right' });
      if (key.home || (key.ctrl && input === 'a')) return edit({ type: 'home' });
      if (key.end || (key.ctrl && input === 'e')) return edit({ type: 'end' });
      if (key.ctrl && input === 'u') return edit({ type: 'clear' });
      if (!key.ctrl && !key.meta && input) edit({ type: 'insert', text: input });
    },
    // A secret field reads its own keys (SecretInput); a runbook without parameters starts on enter.
    { layer: 'text', isActive: !focused?.secret },
  );

  const nameWidth = Math.min(24, Math.max(4, ...params.map((f) => f.name.length)));
  // Values line up in one column as wide as the widest (within reason), so the notes after them do too.
  const valueWidth = Math.min(40, Math.max(12, width - nameWidth - 30), Math.max(12, ...fields.map((v) => [...v.value].length + 1)));
  const title = `${plan ? 'Plan of' : 'Run'} ${entry.id}: ${entry.title}`;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{title}</Text>
      <Text dimColor wrap="truncate-end">
        {plan ? 'a plan runs the check steps only; every other step is shown with its command' : 'act steps ask before they run'}
      </Text>
      {params.length === 0 ? <Text>This runbook has no parameters. Press enter to start.</Text> : null}
      {params.map((f, i) => {
        const isFocus = i === focus;
        const marker = isFocus ? '›' : ' ';
        const rule = f.enum ? `one of ${f.enum.join(' | ')}` : f.pattern ? `matching ${f.pattern}` : '';
        const about = [f.description, rule, f.secret ? 'secret' : '', f.required ? 'required' : ''].filter(Boolean).join(' · ');
        if (f.secret && isFocus) {
          return (
            <Box key={f.name} flexDirection="column">
              <SecretInput
                prompt={`${marker} ${f.name.padEnd(nameWidth)}`}
                note={about || undefined}
                onSubmit={(bytes) => {
                  // Enter with nothing typed keeps what was typed before.
                  if (bytes.length > 0) {
                    secrets.current.set(f.name, bytes.toString('utf8'));
                    setSecretSet((s) => new Set(s).add(f.name));
                  }
                  bytes.fill(0);
                  next();
                }}
                onCancel={onCancel}
              />
            </Box>
          );
        }
        const bad = problems.some((x) => x.name === f.name);
        if (f.secret) {
          const state = secretSet.has(f.name) ? 'set' : f.required ? 'not set' : 'not set (its default is used)';
          return (
            <Text key={f.name} wrap="truncate-end" color={bad && color ? 'red' : undefined}>
              {`${marker} ${f.name.padEnd(nameWidth)}  ${`(${state})`.padEnd(valueWidth)}`}
              <Text dimColor>{about ? `  ${about}` : ''}</Text>
            </Text>
          );
        }
        const value = fields[i]!;
        const chars = [...value.value];
        if (isFocus) {
          // The whole value while it is edited, however long; the notes move right of it.
          const pad = ' '.repeat(Math.max(0, valueWidth - Math.max(chars.length, value.cursor + 1)));
          return (
            <Text key={f.name} wrap="truncate-end" color={bad && color ? 'red' : undefined}>
              {`${marker} ${f.name.padEnd(nameWidth)}  `}
              {chars.slice(0, value.cursor).join('')}
              <Text inverse>{chars[value.cursor] ?? ' '}</Text>
              {chars.slice(value.cursor + 1).join('') + pad}
              <Text dimColor>{about ? `  ${about}` : ''}</Text>
            </Text>
          );
        }
        return (
          <Text key={f.name} wrap="truncate-end" color={bad && color ? 'red' : undefined}>
            {`${marker} ${f.name.padEnd(nameWidth)}  ${truncate(value.value, valueWidth).padEnd(valueWidth)}`}
            <Text dimColor>{about ? `  ${about}` : ''}</Text>
          </Text>
        );
      })}
      {problems.map((x) => (
        <Text key={x.name} color={color ? 'red' : undefined} wrap="truncate-end">{`! ${x.problem}`}</Text>
      ))}
      <KeyHints bindings={paramFormKeys} width={width} />
    </Box>
  );
}
