import React, { useEffect, useState } from 'react';
import { Box, Text, useApp } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { StatusBar, type StatusLevel } from '../components/StatusBar.js';
import { KeyHints } from '../components/KeyHints.js';
import { HostKeyDialog } from '../components/HostKeyDialog.js';
import { SecretInput } from '../components/SecretInput.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { TextInput } from '../components/TextInput.js';
import { confirmKeys } from '../components/confirm-keys.js';
import { findBinding } from '../components/key-bindings.js';
import { useStore, useStoreUnless, type ExternalStore } from '../components/use-store.js';
import { useTerminalSize } from '../components/use-terminal-size.js';
import type { ConnectionSnapshot } from '../src/transport/connection-store.js';
import { describeConnectionState } from '../src/transport/connection-store.js';
import type { PromptSnapshot } from '../src/model/prompt-store.js';
import type { GridSnapshot } from '../src/model/grid-store.js';
import type { DrawnGrid } from '../src/terminal/ink/grid-painter.js';
import type { ServiceRow } from '../src/model/grouping.js';
import { completeCommandLine, commandSuggestions, parseCommandLine, type CommandDef } from '../src/model/command-line.js';
import type { ActionResult, ServiceAction } from '../src/docker/service-actions.js';
import { Dashboard, type DashboardView, type ServiceRequest } from './Dashboard.js';
import { ServiceDetail } from './ServiceDetail.js';
import { Help } from './Help.js';
import { visibleDashboardKeys } from './dashboard-keys.js';
import { detailKeys } from './detail-keys.js';
import { failedKeys } from './failed-keys.js';
import { Unlock } from './Unlock.js';
import { UnlockCheck } from './UnlockCheck.js';
import { unlockKeys } from './unlock-keys.js';
import { unlockCheckKeys } from './unlock-check-keys.js';
import type { UnlockActions, UnlockStore } from '../src/unlock/unlock-store.js';
import type { UnlockCheckActions, UnlockCheckStore } from '../src/unlock/check/unlock-check-store.js';
import { Hosts } from './Hosts.js';
import { hostFormKeys, hostsKeys } from './hosts-keys.js';
import type { HostsActions, HostsStore } from '../src/model/hosts-store.js';
import { Audit } from './Audit.js';
import { auditKeys } from './audit-keys.js';
import type { AuditActions, AuditStore } from '../src/audit/audit-store.js';
import { Logs } from './Logs.js';
import { logsKeys } from './logs-keys.js';
import type { LogsFeature } from '../src/logs/logs-feature.js';
import { BackupArea, type BackupView } from './BackupArea.js';
import { backupsKeys } from './backups-keys.js';
import { backupWizardKeys } from './backup-wizard-keys.js';
import { restoreKeys } from './restore-keys.js';
import type { BackupFeature } from '../src/backup/backup-feature.js';

/** What the App reads of a session (src/model/session-store.ts provides it). */
export type AppSessionSnapshot =
  | { phase: 'connecting'; label: string; step: string | undefined }
  | { phase: 'ready'; label: string; connection: ExternalStore<ConnectionSnapshot>; grid: ExternalStore<GridSnapshot> }
  | { phase: 'failed'; label: string; message: string; hint: string | undefined; locked?: string | undefined };

/** What the App needs from a session: its snapshot, the prompts, and the actions. */
export interface AppSession extends ExternalStore<AppSessionSnapshot> {
  prompts: ExternalStore<PromptSnapshot> & { answer(id: number, value: boolean | Buffer | null): void };
  readonly: boolean;
  retry(): void;
  act(action: ServiceAction, row: ServiceRow, containerId?: string): Promise<ActionResult>;
  recreateCommand(row: ServiceRow): string;
  openUnlock?(): Promise<{ store: UnlockStore; actions: UnlockActions }>;
  openUnlockCheck?(): Promise<{ store: UnlockCheckStore; actions: UnlockCheckActions }>;
  openHosts?(): Promise<{ store: HostsStore; actions: HostsActions }>;
  openAudit?(): Promise<{ store: AuditStore; actions: AuditActions }>;
  openLogs?(words: readonly string[]): Promise<LogsFeature>;
  openBackups?(): Promise<BackupFeature>;
}

/** A feature screen opened over the grid (or over the failed panel, for an unlock). */
type Overlay =
  | { kind: 'unlock'; store: UnlockStore; actions: UnlockActions }
  | { kind: 'unlock-check'; store: UnlockCheckStore; actions: UnlockCheckActions }
  | { kind: 'hosts'; store: HostsStore; actions: HostsActions }
  | { kind: 'audit'; store: AuditStore; actions: AuditActions }
  | ({ kind: 'logs' } & LogsFeature)
  | { kind: 'backups'; feature: BackupFeature };

/** Work that must leave Ink for a while (an interactive shell); the ui command does it and comes back. */
export type HandOver = { kind: 'shell'; containerId: string; label: string } | { kind: 'switch'; host: string };

export interface AppProps {
  session: AppSession;
  color: boolean;
  /** Called once when the user quits, before Ink unmounts. */
  onQuit?: () => void;
  onHandOver?: (req: HandOver) => void;
  /** A line to show at start (e.g. the result of a shell that just ended). */
  initialStatus?: { text: string; level: StatusLevel } | undefined;
  /** Re-read "now" for ages and uptimes; tests pass a fixed clock. */
  now?: () => number;
  /** Redraws the grid's changed rows in place between renders (src/terminal/ink/grid-painter.ts); without it, every change is a render. */
  painter?: GridPainting | undefined;
}

/** What the screens need of the grid's painter. */
export interface GridPainting {
  show(drawn: DrawnGrid | undefined): void;
  /** True when the snapshot is on screen without a render. */
  paint(snap: GridSnapshot): boolean;
}

type Screen = { name: 'dashboard' } | { name: 'detail'; key: string } | { name: 'help'; back: Screen };

export const COMMANDS: readonly CommandDef[] = [
  { name: 'help', aliases: ['h', '?'], description: 'show every key binding' },
  { name: 'faulted', description: 'show only faulted services (as ctrl-z)' },
  { name: 'all', description: 'show every service again' },
  { name: 'logs', description: 'follow the logs of services: :logs api worker', takesServices: true },
  { name: 'hosts', description: 'saved servers: connect, add, test, remove' },
  { name: 'backups', aliases: ['backup'], description: 'PostgreSQL backups: list, verify, back up now, wizard, test restores' },
  { name: 'audit', description: 'hardening audit of this server: pass / warn / fail with evidence and the fix' },
  { name: 'unlock', description: 'check the LUKS remote-unlock setup of this server (Dropbear in the initramfs)' },
  { name: 'quit', aliases: ['q', 'q!'], description: 'quit opsdeck' },
];

export function App({ session, color, onQuit, onHandOver, initialStatus, now = Date.now, painter }: AppProps) {
  const { exit } = useApp();
  const { width, height } = useTerminalSize();
  const snap = useStore(session);
  const prompts = useStore(session.prompts);
  const [screen, setScreen] = useState<Screen>({ name: 'dashboard' });
  // The grid's selection and filter outlive its trips to the help and details screens.
  const [gridView, setGridView] = useState<DashboardView | undefined>();
  const [confirm, setConfirm] = useState<{ title: string; detail?: string; run: () => void } | undefined>();
  const [commandMode, setCommandMode] = useState(false);
  const [status, setStatus] = useState<{ text: string; level: StatusLevel } | undefined>(initialStatus);
  const [overlay, setOverlay] = useState<Overlay | undefined>();
  const [overlayHelp, setOverlayHelp] = useState<false | true | BackupView['name']>(false);
  const quit = () => {
    onQuit?.();
    exit();
  };
  const openLogs = (words: readonly string[]) => {
    if (!session.openLogs) return setStatus({ text: 'logs are not available here', level: 'warn' });
    void session.openLogs(words).then(
      (f) => setOverlay({ kind: 'logs', ...f }),
      (err: Error) => setStatus({ text: err.message, level: 'error' }),
    );
  };
  const openBackups = () => {
    if (!session.openBackups) return setStatus({ text: 'backups are not available here', level: 'warn' });
    void session.openBackups().then(
      (feature) => setOverlay({ kind: 'backups', feature }),
      (err: Error) => setStatus({ text: err.message, level: 'error' }),
    );
  };
  const openOverlay = (kind: Exclude<Overlay['kind'], 'logs' | 'backups'>) => {
    const openers = { unlock: session.openUnlock, 'unlock-check': session.openUnlockCheck, hosts: session.openHosts, audit: session.openAudit };
    const open = openers[kind];
    if (!open) return setStatus({ text: `${kind} is not available here`, level: 'warn' });
    void open().then(
      (o) => setOverlay({ kind, ...o } as Overlay),
      (err: Error) => setStatus({ text: err.message, level: 'error' }),
    );
  };
  // "When it is back, open the dashboard": the unlock overlay closes once the session is ready again.
  useEffect(() => {
    if (overlay?.kind === 'unlock' && snap.phase === 'ready') setOverlay(undefined);
  }, [overlay?.kind, snap.phase]);

  const pending = prompts.pending;
  const promptDialog = pending ? (
    pending.kind === 'host-key' ? (
      <HostKeyDialog question={pending.question} color={color} onAnswer={(ok) => session.prompts.answer(pending.id, ok)} />
    ) : (
      <SecretInput
        layer="dialog"
        prompt={pending.question.prompt}
        onSubmit={(secret) => session.prompts.answer(pending.id, secret)}
        onCancel={() => session.prompts.answer(pending.id, null)}
      />
    )
  ) : null;

  const header =
    snap.phase === 'ready' ? (
      <ConnectedBar title={`opsdeck · ${snap.label}${session.readonly ? ' · read-only' : ''}`} connection={snap.connection} color={color} />
    ) : (
      <StatusBar title={`opsdeck · ${snap.label}`} state={snap.phase === 'connecting' ? 'connecting' : 'not connected'} level={snap.phase === 'failed' ? 'error' : 'info'} color={color} />
    );

  if (overlay) {
    const close = () => {
      if (overlay.kind === 'logs') overlay.dispose();
      setOverlay(undefined);
      setOverlayHelp(false);
    };
    return (
      <Box flexDirection="column" width={width}>
        {header}
        {promptDialog}
        {overlayHelp ? (
          <Help
            sections={
              overlay.kind === 'hosts'
                ? [{ title: 'Servers', bindings: hostsKeys }, { title: 'Add a server', bindings: hostFormKeys }]
                : overlay.kind === 'audit'
                ? [{ title: 'Audit', bindings: auditKeys }]
                : overlay.kind === 'logs'
                ? [{ title: 'Logs', bindings: logsKeys }]
                : overlay.kind === 'backups'
                ? overlayHelp === 'wizard'
                  ? [{ title: 'Backup wizard', bindings: backupWizardKeys }]
                  : overlayHelp === 'restore'
                  ? [{ title: 'Restore', bindings: restoreKeys }]
                  : [{ title: 'Backups', bindings: backupsKeys }]
                : [{ title: overlay.kind === 'unlock' ? 'Unlock' : 'Unlock setup check', bindings: overlay.kind === 'unlock' ? unlockKeys : unlockCheckKeys }]
            }
            width={width}
            onBack={() => setOverlayHelp(false)}
            onQuit={quit}
          />
        ) : overlay.kind === 'backups' ? (
          <BackupArea feature={overlay.feature} width={width} height={height - 1} color={color} onBack={close} onHelp={(v) => setOverlayHelp(v)} />
        ) : overlay.kind === 'logs' ? (
          <Logs store={overlay.store} actions={overlay.actions} width={width} height={height - 1} color={color} onBack={close} onHelp={() => setOverlayHelp(true)} />
        ) : overlay.kind === 'audit' ? (
          <Audit audit={overlay.store} actions={overlay.actions} width={width} height={height - 1} color={color} onBack={close} onHelp={() => setOverlayHelp(true)} />
        ) : overlay.kind === 'hosts' ? (
          <Hosts
            hosts={overlay.store}
            actions={overlay.actions}
            width={width}
            height={height - 1}
            color={color}
            readonly={session.readonly}
            onPick={(host) => {
              onHandOver?.({ kind: 'switch', host });
              exit();
            }}
            onBack={close}
            onHelp={() => setOverlayHelp(true)}
          />
        ) : overlay.kind === 'unlock' ? (
          <Unlock unlock={overlay.store} actions={overlay.actions} width={width} height={height - 1} color={color} onBack={close} onHelp={() => setOverlayHelp(true)} />
        ) : (
          <UnlockCheck check={overlay.store} actions={overlay.actions} width={width} color={color} onBack={close} onHelp={() => setOverlayHelp(true)} />
        )}
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={width}>
      {header}
      {promptDialog}
      {!promptDialog && snap.phase === 'connecting' ? <Text dimColor>{`connecting… ${snap.step ?? ''}`}</Text> : null}
      {!promptDialog && snap.phase === 'failed' ? (
        <Failed message={snap.message} hint={snap.hint} locked={snap.locked} color={color} onRetry={session.retry} onUnlock={() => openOverlay('unlock')} onHosts={() => openOverlay('hosts')} onQuit={quit} />
      ) : null}
      {!promptDialog && snap.phase === 'ready' ? (
        <Ready
          grid={snap.grid}
          server={snap.label}
          session={session}
          screen={screen}
          setScreen={setScreen}
          gridView={gridView}
          setGridView={setGridView}
          width={width}
          height={height - 2 - (confirm ? 5 : 0)}
          color={color}
          now={now}
          overlaid={confirm !== undefined || commandMode}
          quit={quit}
          setStatus={setStatus}
          setConfirm={setConfirm}
          setCommandMode={setCommandMode}
          onHandOver={onHandOver}
          exit={exit}
          openLogs={openLogs}
          painter={painter}
        />
      ) : null}
      {confirm ? (
        <ConfirmDialog
          title={confirm.title}
          detail={confirm.detail}
          color={color}
          width={width}
          onAnswer={(yes) => {
            setConfirm(undefined);
            if (yes) confirm.run();
            else setStatus({ text: 'cancelled', level: 'info' });
          }}
        />
      ) : null}
      {commandMode && snap.phase === 'ready' ? (
        <CommandLine
          grid={snap.grid}
          onDone={(line) => {
            setCommandMode(false);
            if (line === undefined) return;
            const cmd = parseCommandLine(line, COMMANDS);
            if (!cmd.ok) return setStatus({ text: cmd.error, level: 'error' });
            if (cmd.name === 'quit') return quit();
            if (cmd.name === 'help') return setScreen((s) => ({ name: 'help', back: s }));
            if (cmd.name === 'faulted' || cmd.name === 'all') return setStatus({ text: 'use ctrl-z on the grid to toggle faulted services', level: 'info' });
            if (cmd.name === 'unlock') return openOverlay('unlock-check');
            if (cmd.name === 'hosts') return openOverlay('hosts');
            if (cmd.name === 'audit') return openOverlay('audit');
            if (cmd.name === 'backups') return openBackups();
            if (cmd.name === 'logs') return cmd.args.length ? openLogs(cmd.args) : setStatus({ text: 'which service? :logs api worker', level: 'warn' });
          }}
        />
      ) : status ? (
        <Text color={color ? levelColour(status.level) : undefined} wrap="truncate-end">
          {status.text}
        </Text>
      ) : null}
    </Box>
  );
}

interface ReadyProps {
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
  setConfirm: (c: { title: string; detail?: string; run: () => void } | undefined) => void;
  setCommandMode: (on: boolean) => void;
  onHandOver: ((req: HandOver) => void) | undefined;
  exit: () => void;
  openLogs: (words: readonly string[]) => void;
  painter: GridPainting | undefined;
}

/** The screens that need the grid: subscribing here starts the grid's streams, leaving stops them. */
function Ready(p: ReadyProps) {
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
        return p.setConfirm({ title: `Restart ${name} (${replicas})?`, run: () => run('restart', row) });
      case 'stop':
        return p.setConfirm({ title: `Stop ${name} (${replicas})?`, detail: 'It stays down until started again.', run: () => run('stop', row) });
      case 'start':
        return p.setConfirm({ title: `Start ${name} (${replicas})?`, run: () => run('start', row) });
      case 'recreate':
        return p.setConfirm({ title: `Recreate ${name}?`, detail: `Runs on the server: ${session.recreateCommand(row)}`, run: () => run('recreate', row) });
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

function CommandLine({ grid, onDone }: { grid: ExternalStore<GridSnapshot>; onDone: (line: string | undefined) => void }) {
  const g = useStore(grid);
  const services = [...new Set(g.groups.flatMap((x) => x.services.map((s) => s.service)))];
  const [line, setLine] = useState('');
  const offers = commandSuggestions(line, COMMANDS, services);
  return (
    <Box flexDirection="column">
      <TextInput
        prefix=":"
        onChange={setLine}
        onSubmit={(v) => onDone(v)}
        onCancel={() => onDone(undefined)}
        complete={(v) => completeCommandLine(v, COMMANDS, services)}
      />
      {offers.length ? <Text dimColor>{`tab: ${offers.join('  ')}`}</Text> : null}
    </Box>
  );
}

function BackOnly({ onBack }: { onBack: () => void }) {
  useKeypress((_input, key) => {
    if (key.escape) onBack();
  });
  return <Text dimColor>esc back</Text>;
}

function ConnectedBar({ title, connection, color }: { title: string; connection: ExternalStore<ConnectionSnapshot>; color: boolean }) {
  const c = useStore(connection);
  // A countdown ("next in 4s") must tick even when nothing else changes.
  const [, setTick] = useState(0);
  useEffect(() => {
    const silent = c.state.status === 'connected' && c.state.silentSince !== undefined;
    if (c.state.status !== 'reconnecting' && !silent) return;
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [c.state.status, c.state.status === 'connected' && c.state.silentSince !== undefined]);
  const level: StatusLevel = c.state.status === 'connected' ? (c.state.silentSince === undefined ? 'ok' : 'warn') : c.state.status === 'reconnecting' || c.state.status === 'connecting' ? 'warn' : 'error';
  return <StatusBar title={title} state={describeConnectionState(c.state)} level={level} color={color} />;
}

interface FailedProps {
  message: string;
  hint: string | undefined;
  locked: string | undefined;
  color: boolean;
  onRetry: () => void;
  onUnlock: () => void;
  onHosts: () => void;
  onQuit: () => void;
}

function Failed({ message, hint, locked, color, onRetry, onUnlock, onHosts, onQuit }: FailedProps) {
  const keys = locked ? failedKeys : failedKeys.filter((k) => k.action !== 'unlock');
  useKeypress((input, key) => {
    const b = findBinding(keys, input, key);
    if (b?.action === 'retry') onRetry();
    else if (b?.action === 'unlock') onUnlock();
    else if (b?.action === 'hosts') onHosts();
    else if (b?.action === 'quit') onQuit();
  });
  return (
    <Box flexDirection="column">
      <Text color={color ? 'red' : undefined}>{message}</Text>
      {hint ? <Text>{hint}</Text> : null}
      {locked ? <Text color={color ? 'yellow' : undefined} bold>{locked}</Text> : null}
      <KeyHints bindings={keys} width={80} />
    </Box>
  );
}

function levelColour(level: StatusLevel): string {
  return { ok: 'green', warn: 'yellow', error: 'red', info: 'cyan' }[level];
}
