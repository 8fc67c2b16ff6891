import React, { createContext, useContext, useEffect, useLayoutEffect, useMemo, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { Table } from '../components/Table.js';
import { KeyHints } from '../components/KeyHints.js';
import { TextInput } from '../components/TextInput.js';
import { findBinding } from '../components/key-bindings.js';
import type { GridSnapshot } from '../src/model/grid-store.js';
import { gridLines, moveSelection, type GridFilter } from '../src/model/grid-view.js';
import type { ServiceRow } from '../src/model/grouping.js';
import { gridColumns, gridHeaderText, gridStatusText, gridTableRows } from '../src/render/grid-table.js';
import type { DrawnGrid } from '../src/terminal/ink/grid-painter.js';
import { offeredFaults } from '../src/runbook/run-store.js';
import { dashboardKeysFor, visibleDashboardKeys, type DashboardAction } from './dashboard-keys.js';

export type ServiceRequest = 'restart' | 'stop' | 'start' | 'recreate' | 'shell' | 'logs' | 'open';

export interface DashboardProps {
  server: string;
  grid: GridSnapshot;
  width: number;
  height: number;
  color: boolean;
  readonly: boolean;
  /** False while a dialog or the command line has the keyboard. */
  /** A dialog or the command line is drawn below the grid: the frame is React's, not the painter's. */
  overlaid: boolean;
  now: number;
  onRequest: (request: ServiceRequest, row: ServiceRow) => void;
  onCommandMode: () => void;
  onHelp: () => void;
  onQuit: () => void;
  onRefused: (message: string) => void;
  /** Where the operator was (selection, filter) when the grid was last on screen. */
  view?: DashboardView | undefined;
  onView?: (view: DashboardView) => void;
  /** Told what was drawn, so that figures can be redrawn in place between renders (src/terminal/ink/grid-painter.ts). */
  painter?: { show(drawn: DrawnGrid | undefined): void } | undefined;
}

/**
 * Set by the App when this session can run runbooks: `b` on a row with a fault that runbooks
 * answer calls it with the row. An action context (as gemini-cli's UI has), so that the screens
 * between the App and the grid need not pass it along.
 */
export const RunbookOfferContext = createContext<((row: ServiceRow) => void) | undefined>(undefined);

/** Set when the grid was opened from the fleet view: esc with no filter to clear goes back there. */
export const FleetBackContext = createContext<(() => void) | undefined>(undefined);

/** What the grid remembers across the help and details screens. */
export interface DashboardView {
  selected: string | undefined;
  filter: GridFilter;
}

/** The service grid: one row per Compose service, grouped by project. */
export function Dashboard(p: DashboardProps) {
  const [selected, setSelected] = useState<string | undefined>(p.view?.selected);
  const [filter, setFilter] = useState<GridFilter>(p.view?.filter ?? { text: '', faultedOnly: false });
  const [editingFilter, setEditingFilter] = useState(false);
  const offerRunbook = useContext(RunbookOfferContext);
  const backToFleet = useContext(FleetBackContext);

  const lines = useMemo(() => gridLines(p.grid.groups, filter), [p.grid.groups, filter]);
  const current = lines.find((l) => l.kind === 'service' && l.key === selected) ?? lines.find((l) => l.kind === 'service');
  const currentRow = current?.kind === 'service' ? current.row : undefined;
  const runbookOffered = offerRunbook !== undefined && currentRow !== undefined && offeredFaults(currentRow.reasons).length > 0;
  const keys = dashboardKeysFor(p.readonly, runbookOffered);
  const bodyHeight = Math.max(3, p.height - 5);
  const move = (d: number | 'first' | 'last') => setSelected(moveSelection(lines, currentRow?.key, d));
  const { onView } = p;
  const selectedKey = currentRow?.key;
  useEffect(() => onView?.({ selected: selectedKey, filter }), [onView, selectedKey, filter]);

  useKeypress(
    (input, key) => {
      const b = findBinding(keys, input, key);
      if (!b) {
        const hidden = findBinding(visibleDashboardKeys(false), input, key);
        if (hidden?.action === 'runbook') {
          if (offerRunbook && currentRow) p.onRefused(`${currentRow.service} has no fault a runbook answers; :runbooks lists them all`);
        } else if (hidden && p.readonly) p.onRefused(`read-only: ${hidden.hint} is disabled`);
        return;
      }
      const act = (a: DashboardAction) => {
        if (!currentRow) return;
        switch (a) {
          case 'open': return p.onRequest('open', currentRow);
          case 'logs': return p.onRequest('logs', currentRow);
          case 'restart': return p.onRequest('restart', currentRow);
          case 'stopStart': return p.onRequest(currentRow.running > 0 ? 'stop' : 'start', currentRow);
          case 'recreate': return p.onRequest('recreate', currentRow);
          case 'shell': return p.onRequest('shell', currentRow);
          case 'runbook': return offerRunbook?.(currentRow);
          default: return;
        }
      };
      switch (b.action) {
        case 'down': return move(1);
        case 'up': return move(-1);
        case 'top': return move('first');
        case 'bottom': return move('last');
        case 'pageDown': return move(bodyHeight);
        case 'pageUp': return move(-bodyHeight);
        case 'filter': return setEditingFilter(true);
        case 'command': return p.onCommandMode();
        case 'faulted': return setFilter((f) => ({ ...f, faultedOnly: !f.faultedOnly }));
        case 'clear':
          if (backToFleet && filter.text === '' && !filter.faultedOnly) return backToFleet();
          return setFilter({ text: '', faultedOnly: false });
        case 'help': return p.onHelp();
        case 'quit': return p.onQuit();
        default: return act(b.action);
      }
    },
  );

  const { columns, memWidth } = gridColumns(p.width);
  const rows = gridTableRows(lines, { color: p.color, now: p.now, memWidth });
  const header = gridHeaderText(p.server, p.grid, p.now);
  const status = gridStatusText(filter, p.grid);
  const painted = !p.overlaid && !editingFilter && p.grid.status === 'ready' && !p.grid.stale && currentRow !== undefined;
  const { painter } = p;
  // After every render (and before Ink's next frame): what the rows were drawn from. The
  // cleanup runs before Ink writes a frame from a newer render, so the painter never amends it.
  useLayoutEffect(() => {
    if (!painter) return;
    painter.show(
      painted
        ? { server: p.server, filter, selectedKey, width: p.width, bodyHeight, color: p.color, columns, memWidth, header, status, rowIds: lines.map((l) => l.key).join('\n') }
        : undefined,
    );
    return () => painter.show(undefined);
  });

  return (
    <Box flexDirection="column">
      <Text dimColor={!p.grid.stale} color={p.grid.stale && p.color ? 'yellow' : undefined} wrap="truncate-end">
        {header}
      </Text>
      {p.grid.status === 'loading' ? <Text dimColor>loading containers…</Text> : null}
      {p.grid.status === 'error' ? <Text color={p.color ? 'red' : undefined}>{`cannot read the containers: ${p.grid.error ?? ''}`}</Text> : null}
      {p.grid.status !== 'loading' ? <Table columns={columns} rows={rows} selectedId={currentRow?.key} height={bodyHeight} color={p.color} /> : null}
      {lines.length === 0 && p.grid.status === 'ready' ? <Text dimColor>{filter.text || filter.faultedOnly ? 'no service matches the filter' : 'no containers on this server'}</Text> : null}
      {editingFilter ? (
        <TextInput
          prefix="/"
          initial={filter.text}
          onChange={(text) => setFilter((f) => ({ ...f, text }))}
          onSubmit={() => setEditingFilter(false)}
          onCancel={() => {
            setFilter((f) => ({ ...f, text: '' }));
            setEditingFilter(false);
          }}
        />
      ) : (
        <Text dimColor wrap="truncate-end">
          {status}
        </Text>
      )}
      <KeyHints bindings={keys} width={p.width} />
    </Box>
  );
}
