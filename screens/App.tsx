import { useEffect, useRef, useState } from 'react';
import { Box, Text, useApp } from 'ink';
import type { StatusLevel } from '../components/StatusBar.js';
import { PromptDialog } from '../components/PromptDialog.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { useStore } from '../components/use-store.js';
import { useTerminalSize } from '../components/use-terminal-size.js';
import { parseCommandLine } from '../src/model/command-line.js';
import { FleetBackContext, RunbookOfferContext, type DashboardView } from './Dashboard.js';
import { Runbooks, type RunbookOffer, type RunbooksView } from './Runbooks.js';
import { RunbookRun } from './RunbookRun.js';
import { paramFormKeys, runbooksKeys } from './runbooks-keys.js';
import { manualStepKeys, productionConfirmKeys, runbookRunKeys } from './runbook-run-keys.js';
import { confirmKeys } from '../components/confirm-keys.js';
import { offeredFaults, runbookEntry, runbooksForLockedServer, runbooksForService, type RunbookEntry, type RunStore } from '../src/runbook/run-store.js';
import type { Runbook } from '../src/runbook/runbook-types.js';
import type { ServiceRow } from '../src/model/grouping.js';
import { Help } from './Help.js';
import { Unlock } from './Unlock.js';
import { UnlockCheck } from './UnlockCheck.js';
import { unlockKeys } from './unlock-keys.js';
import { unlockCheckKeys } from './unlock-check-keys.js';
import { Hosts } from './Hosts.js';
import { hostFormKeys, hostsKeys } from './hosts-keys.js';
import { Audit } from './Audit.js';
import { auditKeys } from './audit-keys.js';
import { Logs } from './Logs.js';
import { logsKeys } from './logs-keys.js';
import { BackupArea, type BackupView } from './BackupArea.js';
import { backupsKeys } from './backups-keys.js';
import { backupWizardKeys } from './backup-wizard-keys.js';
import { restoreKeys } from './restore-keys.js';
import type { Overlay, AppProps, AppSession, Screen } from './app-session.js';
import { COMMANDS } from './app-commands.js';
import { Ready } from './Ready.js';
import { CommandLine } from './CommandLine.js';
import { SessionBar } from './ConnectedBar.js';
import { Failed } from './Failed.js';
import { levelColour } from './status-colour.js';

export type { AppSession, AppSessionSnapshot, HandOver, AppProps, GridPainting } from './app-session.js';
export { COMMANDS } from './app-commands.js';

/** The runbook list (with the fault it was offered for) and the run started from it. */
interface RunbookList {
  entries: RunbookEntry[];
  problems: string[];
  offer: RunbookOffer | undefined;
}
type RunbookArea = { kind: 'list'; list: RunbookList } | { kind: 'run'; store: RunStore; list: RunbookList | undefined };

/** A session that can also run runbooks (SessionStore does; test sessions may not). */
/** A session that can run runbooks (the methods are optional on every AppSession). */
export type RunbookSession = AppSession;

export function App({ session, color, onQuit, onHandOver, initialStatus, now = Date.now, painter, fleet, initialView }: AppProps) {
  const { exit } = useApp();
  const { width, height } = useTerminalSize();
  const snap = useStore(session);
  const prompts = useStore(session.prompts);
  const [screen, setScreen] = useState<Screen>({ name: 'dashboard' });
  // The grid's selection and filter outlive its trips to the help and details screens.
  const [gridView, setGridView] = useState<DashboardView | undefined>(initialView);
  // `destructive` on a production server: the server's name is typed, not just y.
  const [confirm, setConfirm] = useState<{ title: string; detail?: string; destructive?: boolean; run: () => void } | undefined>();
  const typeName = confirm?.destructive && session.production ? snap.label : undefined;
  const [commandMode, setCommandMode] = useState(false);
  const [status, setStatus] = useState<{ text: string; level: StatusLevel } | undefined>(initialStatus);
  const [overlay, setOverlay] = useState<Overlay | undefined>();
  const [overlayHelp, setOverlayHelp] = useState<false | true | BackupView['name']>(false);
  const [runbookArea, setRunbookArea] = useState<RunbookArea | undefined>();
  const [runbookHelp, setRunbookHelp] = useState(false);
  const runbooksView = useRef<RunbooksView | undefined>(undefined);
  const [lockedRunbooks, setLockedRunbooks] = useState<string[] | undefined>();
  const quit = () => {
    // Quitting closes the connection a run is using: it is stopped first, on purpose.
    if (runbookArea?.kind === 'run' && runbookArea.store.getSnapshot().status === 'running') {
      setRunbookHelp(false);
      return setStatus({ text: 'a runbook is running: stop it first (x)', level: 'warn' });
    }
    onQuit?.();
    exit();
  };
  const openRunbooks = (offerFor?: (runbooks: readonly Runbook[]) => RunbookOffer) => {
    if (!session.loadRunbooks) return setStatus({ text: 'runbooks are not available here', level: 'warn' });
    void session.loadRunbooks().then(
      ({ runbooks, problems }) => {
        runbooksView.current = undefined;
        setStatus(undefined);
        setRunbookArea({ kind: 'list', list: { entries: runbooks.map(runbookEntry), problems, offer: offerFor?.(runbooks) } });
      },
      (err: Error) => setStatus({ text: err.message, level: 'error' }),
    );
  };
  const offerForRow = (row: ServiceRow) =>
    openRunbooks((runbooks) => {
      const name = row.project ? `${row.project}/${row.service}` : row.service;
      return { label: `${offeredFaults(row.reasons).join(', ')} on ${name}`, ids: runbooksForService(runbooks, row.reasons, row).map((r) => r.id), prefill: { service: name } };
    });
  const startRunbook = (runbook: Runbook, params: Map<string, string>, opts: { plan: boolean }) => {
    if (!session.startRunbook) return setStatus({ text: 'runbooks cannot run here', level: 'warn' });
    const list = runbookArea?.kind === 'list' ? runbookArea.list : undefined;
    setStatus(undefined);
    void session.startRunbook(runbook, params, opts).then(
      (store) => setRunbookArea({ kind: 'run', store, list }),
      (err: Error) => setStatus({ text: err.message, level: 'error' }),
    );
  };
  const closeRunbooks = () => {
    setRunbookArea(undefined);
    setRunbookHelp(false);
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
  // A server waiting for its disk passphrase: offer the runbooks written for that, if there are any.
  const locked = snap.phase === 'failed' ? snap.locked : undefined;
  useEffect(() => {
    setLockedRunbooks(undefined);
    if (!locked || !session.loadRunbooks) return;
    let live = true;
    session.loadRunbooks().then(
      ({ runbooks }) => {
        if (live) setLockedRunbooks(runbooksForLockedServer(runbooks).map((r) => runbookEntry(r)).map((e) => `${e.id} (${e.title})`));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [locked, session]);

  const pending = prompts.pending;
  const promptDialog = pending ? <PromptDialog pending={pending} color={color} answer={session.prompts.answer} /> : null;

  const header = <SessionBar snap={snap} readonly={session.readonly} serverColour={session.serverColour} color={color} fleet={fleet !== undefined} />;

  if (runbookArea) {
    const area = runbookArea;
    return (
      <Box flexDirection="column" width={width}>
        {header}
        {promptDialog}
        {runbookHelp ? (
          <Help
            sections={
              area.kind === 'list'
                ? [{ title: 'Runbooks', bindings: runbooksKeys }, { title: 'Parameters (before a run)', bindings: paramFormKeys }]
                : [
                    { title: 'Runbook run', bindings: runbookRunKeys },
                    { title: 'Manual step', bindings: manualStepKeys },
                    { title: 'Confirming a step on a production server', bindings: productionConfirmKeys },
                    { title: 'Confirmations', bindings: confirmKeys },
                  ]
            }
            width={width}
            onBack={() => setRunbookHelp(false)}
            onQuit={quit}
          />
        ) : area.kind === 'list' ? (
          <Runbooks
            entries={area.list.entries}
            problems={area.list.problems}
            offer={area.list.offer}
            readonly={session.readonly}
            width={width}
            height={height - 2}
            color={color}
            view={runbooksView.current}
            onView={(v) => (runbooksView.current = v)}
            onStart={startRunbook}
            onHelp={() => setRunbookHelp(true)}
            onBack={closeRunbooks}
          />
        ) : (
          <RunbookRun
            store={area.store}
            actions={area.store}
            width={width}
            height={height - 2}
            color={color}
            onHelp={() => setRunbookHelp(true)}
            onBack={() => {
              setStatus(undefined);
              if (area.list) setRunbookArea({ kind: 'list', list: area.list });
              else closeRunbooks();
            }}
          />
        )}
        {status ? (
          <Text color={color ? levelColour(status.level) : undefined} wrap="truncate-end">
            {status.text}
          </Text>
        ) : null}
      </Box>
    );
  }

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
                ? [{ title: 'Servers', bindings: hostsKeys }, { title: 'Add or edit a server', bindings: hostFormKeys }]
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
        <Failed
          message={snap.message}
          hint={snap.hint}
          locked={snap.locked}
          color={color}
          onRetry={session.retry}
          onUnlock={() => openOverlay('unlock')}
          runbooks={lockedRunbooks}
          onRunbook={() => openRunbooks((runbooks) => ({ label: 'a locked server', ids: runbooksForLockedServer(runbooks).map((r) => r.id), prefill: {} }))}
          onHosts={() => openOverlay('hosts')}
          onQuit={fleet ? fleet.back : quit}
        />
      ) : null}
      {!promptDialog && snap.phase === 'ready' ? (
        <FleetBackContext.Provider value={fleet?.back}>
        <RunbookOfferContext.Provider value={session.loadRunbooks ? offerForRow : undefined}>
          <Ready
            grid={snap.grid}
            server={snap.label}
            session={session}
            screen={screen}
            setScreen={setScreen}
            gridView={gridView}
            setGridView={setGridView}
            width={width}
            height={height - 2 - (confirm ? (typeName ? 8 : 5) : 0)}
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
        </RunbookOfferContext.Provider>
        </FleetBackContext.Provider>
      ) : null}
      {confirm ? (
        <ConfirmDialog
          title={confirm.title}
          detail={confirm.detail}
          typeName={typeName}
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
            if (cmd.name === 'runbooks') return openRunbooks();
            if (cmd.name === 'fleet') {
              if (fleet) return fleet.back();
              onHandOver?.({ kind: 'fleet' });
              return exit();
            }
            if (cmd.name === 'host') {
              const name = cmd.args[0];
              if (!name || cmd.args.length > 1) return setStatus({ text: 'which server? :host NAME', level: 'warn' });
              if (fleet) return fleet.open(name) ? undefined : setStatus({ text: `no server ${name} in this fleet (${fleet.names.join(', ')})`, level: 'error' });
              onHandOver?.({ kind: 'switch', host: name });
              return exit();
            }
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
