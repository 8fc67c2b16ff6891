import React from 'react';
import { Box, Text } from 'ink';
import type { StatusLevel } from '../components/StatusBar.js';
import { confirmKeys } from '../components/confirm-keys.js';
import { typedConfirmKeys } from '../components/typed-confirm-keys.js';
import { useStoreUnless, type ExternalStore } from '../components/use-store.js';
import type { GridSnapshot } from '../src/model/grid-store.js';
import type { ServiceRow } from '../src/model/grouping.js';
import type { ServiceAction } from '../src/docker/service-actions.js';
import { Dashboard, type DashboardView, type ServiceRequest } from './Dashboard.js';
import { ServiceDetail } from './ServiceDetail.js';
import { Help } from './Help.js';
import { visibleDashboardKeys } from './dashboard-keys.js';
import { detailKeys } from './detail-keys.js';
import type { AppSession, HandOver, GridPainting, Screen } from './app-session.js';
import { COMMANDS } from './app-commands.js';
import { BackOnly } from './ConnectedBar.js';

/** The connected session: the grid or one of its screens, with the hint bar and the dialogs over them. */
export interface ReadyProps {
  grid: ExternalStore<GridSnapshot>;
  server: string;
  session: AppSession;
  screen: Screen;
  setScreen: React.Dispatch<React.SetStateAction<Screen>>;
  gridView: DashboardView | undefined;
  setGridView: (view: DashboardView) => void;
  width: number;
  height: number;
  color: boolean;
  now: () => number;
  /** A confirmation or the command line is drawn below the grid (layout only: keys go by the dispatcher). */
  overlaid: boolean;
  quit: () => void;
  setStatus: (s: { text: string; level: StatusLevel } | undefined) => void;
  /** `destructive`: on a production server the confirmation asks for the server's name to be typed. */
  setConfirm: (c: { title: string; detail?: string; destructive?: boolean; run: () => void } | undefined) => void;
  setCommandMode: (on: boolean) => void;
  onHandOver: ((req: HandOver) => void) | undefined;
  exit: () => void;
  openLogs: (words: readonly string[]) => void;
  painter: GridPainting | undefined;
}

/** The screens that need the grid: subscribing here starts the grid's streams, leaving stops them. */
export function Ready(p: ReadyProps) {
  // A change the painter draws in place (figures in rows already on screen) renders nothing.
  const grid = useStoreUnless(p.grid, p.screen.name === 'dashboard' ? p.painter?.paint : undefined);
  const now = p.now();
  const { session, setStatus } = p;

  const run = (action: ServiceAction, row: ServiceRow) => {
    setStatus({ text: `${action} ${row.service}…`, level: 'info' });
    void session.act(action, row).then((r) => setStatus({ text: r.message, level: r.ok ? 'ok' : 'error' }));
  };

  const request = (req: ServiceRequest, row: ServiceRow) => {
    const name = row.project ? `${row.project}/${row.service}` : row.service;
    const n = row.replicas.length;
    const replicas = `${n} container${n === 1 ? '' : 's'}`;
    switch (req) {
      case 'open':
        return p.setScreen({ name: 'detail', key: row.key });
      case 'logs':
        return p.openLogs([row.project ? `${row.project}/${row.service}` : row.service]);
      case 'restart':
        return p.setConfirm({ title: `Restart ${name} (${replicas})?`, destructive: true, run: () => run('restart', row) });
      case 'stop':
        return p.setConfirm({ title: `Stop ${name} (${replicas})?`, detail: 'It stays down until started again.', destructive: true, run: () => run('stop', row) });
      case 'start':
        return p.setConfirm({ title: `Start ${name} (${replicas})?`, run: () => run('start', row) });
      case 'recreate':
        return p.setConfirm({ title: `Recreate ${name}?`, detail: `Runs on the server: ${session.recreateCommand(row)}`, destructive: true, run: () => run('recreate', row) });
      case 'shell': {
        if (session.readonly) return setStatus({ text: 'read-only: shell is disabled', level: 'warn' });
        const target = row.replicas.find((r) => r.container.state === 'running')?.container;
        if (!target) return setStatus({ text: `${name} has no running container to open a shell in`, level: 'warn' });
        if (!p.onHandOver) return setStatus({ text: 'shell is not available here', level: 'warn' });
        p.onHandOver({ kind: 'shell', containerId: target.id, label: target.name });
        return p.exit();
      }
    }
  };

  if (p.screen.name === 'help') {
    const back = p.screen.back;
    return (
      <Help
        sections={[
          { title: 'Grid', bindings: visibleDashboardKeys(session.readonly) },
          { title: 'Service details', bindings: detailKeys },
          { title: 'Confirmations', bindings: confirmKeys },
          ...(session.production ? [{ title: 'Confirming on a production server (restart, stop, recreate)', bindings: typedConfirmKeys }] : []),
          { title: 'Commands (press : on the grid)', bindings: COMMANDS.map((c) => ({ keys: [`:${c.name}`], action: c.name, hint: c.name, description: c.description })) },
        ]}
        width={p.width}
        onBack={() => p.setScreen(back)}
        onQuit={p.quit}
      />
    );
  }
  if (p.screen.name === 'detail') {
    const key = p.screen.key;
    const row = grid.groups.flatMap((g) => [...g.services, ...g.oneoffs]).find((s) => s.key === key);
    if (!row) {
      return (
        <Box flexDirection="column">
          <Text>{`${key.replace(/^\w+:/, '')} is gone (removed from the server).`}</Text>
          <BackOnly onBack={() => p.setScreen({ name: 'dashboard' })} />
        </Box>
      );
    }
    return (
      <ServiceDetail
        row={row}
        exits={grid.exits.get(row.key) ?? []}
        width={p.width}
        height={p.height}
        color={p.color}
        readonly={session.readonly}
        now={now}
        onLogs={() => request('logs', row)}
        onShell={() => request('shell', row)}
        onBack={() => p.setScreen({ name: 'dashboard' })}
        onHelp={() => p.setScreen({ name: 'help', back: p.screen })}
        onQuit={p.quit}
      />
    );
  }
  return (
    <Dashboard
      server={p.server}
      grid={grid}
      width={p.width}
      height={p.height}
      color={p.color}
      readonly={session.readonly}
      overlaid={p.overlaid}
      now={now}
      onRequest={request}
      onCommandMode={() => p.setCommandMode(true)}
      onHelp={() => p.setScreen({ name: 'help', back: p.screen })}
      onQuit={p.quit}
      onRefused={(text) => setStatus({ text, level: 'warn' })}
      view={p.gridView}
      onView={p.setGridView}
      painter={p.painter}
    />
  );
}
