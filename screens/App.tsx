import { useEffect, useState } from 'react';
import { Box, Text, useApp } from 'ink';
import { StatusBar, type StatusLevel } from '../components/StatusBar.js';
import { HostKeyDialog } from '../components/HostKeyDialog.js';
import { SecretInput } from '../components/SecretInput.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { useStore } from '../components/use-store.js';
import { useTerminalSize } from '../components/use-terminal-size.js';
import { parseCommandLine } from '../src/model/command-line.js';
import type { DashboardView } from './Dashboard.js';
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
import type { Overlay, AppProps, Screen } from './app-session.js';
import { COMMANDS } from './app-commands.js';
import { Ready } from './Ready.js';
import { CommandLine } from './CommandLine.js';
import { ConnectedBar } from './ConnectedBar.js';
import { Failed } from './Failed.js';
import { levelColour } from './status-colour.js';

export type { AppSession, AppSessionSnapshot, HandOver, AppProps, GridPainting } from './app-session.js';
export { COMMANDS } from './app-commands.js';

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
