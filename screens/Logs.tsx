import React, { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { LogView, prefixWidth } from '../components/LogView.js';
import { TextInput } from '../components/TextInput.js';
import { findBinding } from '../components/key-bindings.js';
import { countMatches, findMatch, initialLogViewState, layoutLogView, reduceLogView, searchRegex, type LogViewEvent, type LogViewState, type ViewContext } from '../components/log-view-state.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import { tagWidth as widestTag } from '../src/logs/log-format.js';
import type { LogActions, LogSnapshot, SourceView } from '../src/logs/log-store.js';
import { logsKeys } from './logs-keys.js';
import { formatCount } from '../src/render/count.js';

export interface LogsProps {
  /** createLogsFeature(conn, request).store */
  store: ExternalStore<LogSnapshot>;
  /** createLogsFeature(conn, request).actions */
  actions: LogActions;
  width: number;
  height: number;
  color: boolean;
  /** View toggles to start with (from `:logs … -t`, or saved preferences). */
  initial?: Partial<Pick<LogViewState, 'wrap' | 'timestamps' | 'structured' | 'colours'>>;
  onBack: () => void;
  onHelp: () => void;
}

type PromptKind = 'search' | 'filter' | 'save';

const PROMPT_PREFIX: Record<PromptKind, string> = { search: '/', filter: 'filter: ', save: 'save to: ' };

/** Rows the screen uses besides the lines: header, notice line, hint bar (or prompt). */
const CHROME_ROWS = 3;

export function Logs({ store, actions, width, height, color, initial, onBack, onHelp }: LogsProps) {
  const snap = useStore(store);
  const [view, setView] = useState<LogViewState>(() => ({ ...initialLogViewState, ...initial }));
  const [prompt, setPrompt] = useState<PromptKind | null>(null);

  const tags = snap.sources.length > 1 ? snap.sources.map((s) => s.tag) : null;
  const tagWidth = widestTag(tags ?? []);
  const ctx: ViewContext = {
    lines: snap.lines,
    height: Math.max(1, height - CHROME_ROWS),
    width,
    prefixWidth: prefixWidth(tags, tagWidth, view.timestamps),
  };
  // Keys are handled against the picture on screen now, not the one of the last render.
  const ctxRef = useRef(ctx);
  ctxRef.current = ctx;
  const viewRef = useRef(view);
  viewRef.current = view;
  const dispatch = (e: LogViewEvent) => setView((v) => reduceLogView(v, e, ctxRef.current));
  // One RegExp per query, so rows (memoised) do not redraw for a new but equal one.
  const search = useMemo(() => searchRegex(view.search).re, [view.search]);

  const jumpToMatch = (dir: -1 | 1, state: LogViewState = viewRef.current) => {
    const re = searchRegex(state.search).re;
    if (!re) return actions.notify('no search yet: press / to search', 'warn');
    const { lines } = ctxRef.current;
    const from = state.follow ? (dir < 0 ? lines.count : -1) : lines.indexOfSeq(state.cursor);
    const seq = findMatch(lines, from, dir, re, state.structured);
    if (seq === null) return actions.notify(`no match for /${state.search}/`, 'warn');
    dispatch({ type: 'select', seq });
  };

  useKeypress(
    (input, key) => {
      const b = findBinding(logsKeys, input, key);
      if (!b) return;
      switch (b.action) {
        case 'pause':
          return dispatch({ type: 'togglePause' });
        case 'down':
          return dispatch({ type: 'move', delta: 1 });
        case 'up':
          return dispatch({ type: 'move', delta: -1 });
        case 'pageDown':
          return dispatch({ type: 'page', delta: 1 });
        case 'pageUp':
          return dispatch({ type: 'page', delta: -1 });
        case 'oldest':
          return dispatch({ type: 'oldest' });
        case 'newest':
          return dispatch({ type: 'follow' });
        case 'search':
        case 'filter':
        case 'save':
          return setPrompt(b.action);
        case 'next':
          return jumpToMatch(-1);
        case 'prev':
          return jumpToMatch(1);
        case 'clearFilter':
          return actions.clearFilter();
        case 'errors':
          return actions.setMinLevel(snap.minLevel === 'error' ? null : 'error');
        case 'level':
          return actions.cycleMinLevel();
        case 'trace':
          return actions.traceRequest(viewRef.current.follow ? null : viewRef.current.cursor);
        case 'structured':
        case 'wrap':
        case 'timestamps':
        case 'colours':
          return dispatch({ type: 'toggle', what: b.action });
        case 'help':
          return onHelp();
        case 'back':
          if (key.escape && viewRef.current.search) return dispatch({ type: 'search', query: null });
          return onBack();
      }
    },
  );

  const submitPrompt = (value: string) => {
    if (prompt === 'search') {
      setPrompt(null);
      if (value.trim() === '') return dispatch({ type: 'search', query: null });
      const { re, error } = searchRegex(value);
      if (!re) return actions.notify(error ?? 'bad search', 'error');
      const next = { ...viewRef.current, search: value };
      dispatch({ type: 'search', query: value });
      actions.notify(`${formatCount(countMatches(ctxRef.current.lines, re, next.structured))} matching lines (n older, N newer)`, 'info');
      return jumpToMatch(-1, next);
    }
    if (prompt === 'filter') {
      const err = actions.setFilter(value);
      // A bad regex keeps the prompt open so it can be fixed; the notice says what is wrong.
      if (err) return actions.notify(err, 'error');
      return setPrompt(null);
    }
    if (prompt === 'save') {
      setPrompt(null);
      void actions.save(value);
    }
  };

  const layout = layoutLogView(view, ctx);
  const bodyRows = layout.items.reduce((n, it) => n + it.rows, 0);

  return (
    <Box flexDirection="column" width={width}>
      <Header snap={snap} view={view} below={layout.below} width={width} color={color} />
      {snap.phase === 'error' ? (
        <Box flexDirection="column" height={ctx.height}>
          <Text color={color ? 'red' : undefined} wrap="wrap">{`cannot show logs: ${snap.error ?? ''}`}</Text>
          {snap.hint ? <Text dimColor wrap="wrap">{snap.hint}</Text> : null}
        </Box>
      ) : (
        <Box flexDirection="column" height={ctx.height}>
          {snap.lines.count === 0 ? (
            <Text dimColor>{snap.phase === 'resolving' ? 'finding the containers…' : snap.received > 0 ? 'no line matches the filter' : 'waiting for lines…'}</Text>
          ) : (
            <LogView
              items={layout.items}
              cursorSeq={view.follow ? null : view.cursor}
              state={view}
              tags={tags}
              tagColours={snap.sources.map((s) => s.colour)}
              tagWidth={tagWidth}
              width={width}
              color={color}
              search={search}
            />
          )}
          {bodyRows < ctx.height && snap.lines.count > 0 ? <Box flexGrow={1} /> : null}
        </Box>
      )}
      <Notice snap={snap} color={color} />
      {prompt ? (
        <TextInput
          key={prompt}
          prefix={PROMPT_PREFIX[prompt]}
          initial={prompt === 'filter' ? snap.filter.text : prompt === 'search' ? (view.search ?? '') : defaultSaveName(snap.sources)}
          onSubmit={submitPrompt}
          onCancel={() => setPrompt(null)}
        />
      ) : (
        <KeyHints bindings={logsKeys} width={width} />
      )}
    </Box>
  );
}

function Header({ snap, view, below, width, color }: { snap: LogSnapshot; view: LogViewState; below: number; width: number; color: boolean }) {
  const names = snap.sources.map((s) => sourceLabel(s)).join(' ');
  const mode = view.follow ? '● following' : `‖ paused${below > 0 ? ` · ${formatCount(below)} newer below` : ''}`;
  const parts = [
    `${formatCount(snap.lines.count)}${snap.lines.count !== snap.buffered ? ` of ${formatCount(snap.buffered)}` : ''} lines`,
    snap.evicted > 0 ? `buffer full, ${formatCount(snap.received)} received` : '',
    snap.filter.text ? `filter: ${snap.filter.text}` : '',
    snap.minLevel ? `level ≥ ${snap.minLevel}` : '',
    view.search ? `/${view.search}` : '',
    view.structured ? 'JSON view' : '',
    view.wrap ? 'wrap' : '',
    view.colours ? '' : 'colours off',
    snap.reconnects > 0 ? `↻ reconnected ×${snap.reconnects}` : '',
  ].filter(Boolean);
  return (
    <Box width={width}>
      <Text wrap="truncate-end">
        <Text bold>{`logs ${names}  `}</Text>
        <Text color={color ? (view.follow ? 'green' : 'yellow') : undefined}>{mode}</Text>
        <Text dimColor>{`  ${parts.join(' · ')}`}</Text>
      </Text>
    </Box>
  );
}

function sourceLabel(s: SourceView): string {
  switch (s.status.state) {
    case 'following':
    case 'history':
    case 'starting':
    case 'done':
      return s.tag;
    case 'stopped':
      return `${s.tag} (stopped)`;
    case 'waiting':
      return `${s.tag} (reconnecting)`;
    case 'error':
      return `${s.tag} (${s.status.detail ?? 'error'})`;
  }
}

function Notice({ snap, color }: { snap: LogSnapshot; color: boolean }) {
  const n = snap.notice;
  if (!n) return <Text> </Text>;
  const c = n.level === 'error' ? 'red' : n.level === 'warn' ? 'yellow' : 'cyan';
  return (
    <Text color={color ? c : undefined} wrap="truncate-end">
      {n.text}
    </Text>
  );
}

/** "opsdeck-logs-api-1-api-2-20261122-183304.log", in the current directory. */
export function defaultSaveName(sources: readonly SourceView[], now: Date = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const who = sources.map((s) => s.tag).join('-').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'logs';
  return `opsdeck-logs-${who}-${stamp}.log`;
}
