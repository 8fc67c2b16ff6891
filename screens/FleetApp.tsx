import { useEffect, useState } from 'react';
import { Box, Text, useApp } from 'ink';
import { useStore, type ExternalStore } from '../components/use-store.js';
import { useTerminalSize } from '../components/use-terminal-size.js';
import { PromptDialog } from '../components/PromptDialog.js';
import type { FleetSnapshot } from '../src/fleet/fleet-store.js';
import type { LogsFeature } from '../src/logs/logs-feature.js';
import { parseCommandLine } from '../src/model/command-line.js';
import { App } from './App.js';
import type { AppSession, GridPainting, HandOver } from './app-session.js';
import { FLEET_COMMANDS } from './app-commands.js';
import { Fleet } from './Fleet.js';
import { fleetKeys } from './fleet-keys.js';
import { Help } from './Help.js';
import { Logs } from './Logs.js';
import { logsKeys } from './logs-keys.js';

/** Where the fleet view is: its own rows, or one server's full grid. */
export interface FleetPlace {
  server: string | undefined;
  service?: string | undefined;
}

export interface FleetAppProps {
  fleet: ExternalStore<FleetSnapshot> & { retryNow(): void; focus?(name: string | undefined): void; readonly names: readonly string[] };
  /** The session of each server: the grid `enter` opens runs over the fleet's connection. */
  sessionOf: (name: string) => AppSession | undefined;
  color: boolean;
  now?: () => number;
  painter?: GridPainting | undefined;
  /** Work outside Ink (a shell in a container), told which server it is on. */
  onHandOver?: (req: HandOver, place: FleetPlace) => void;
  initialPlace?: FleetPlace | undefined;
  initialStatus?: { text: string; level: 'ok' | 'warn' | 'error' | 'info' } | undefined;
  /** `:logs web-1:api db-1:postgres`: one merged view over several servers. */
  openLogs?: (words: readonly string[]) => Promise<LogsFeature>;
}

/** The fleet view, with `enter` into any server's full grid and `esc` back out of it. */
export function FleetApp(p: FleetAppProps) {
  const { exit } = useApp();
  const { width, height } = useTerminalSize();
  const now = p.now ?? Date.now;
  const [place, setPlace] = useState<FleetPlace>(p.initialPlace ?? { server: undefined });
  const [selected, setSelected] = useState<string | undefined>(place.server ? place.server : undefined);
  const [help, setHelp] = useState<false | 'fleet' | 'logs'>(false);
  const [status, setStatus] = useState(p.initialStatus);
  const [logs, setLogs] = useState<LogsFeature | undefined>();
  const open = (server: string, service?: string): boolean => {
    if (!p.sessionOf(server)) return false;
    setStatus(undefined);
    setSelected(service ? `${server}|${service}` : server);
    setPlace({ server, service });
    return true;
  };
  const back = () => setPlace({ server: undefined });
  const quit = () => exit();
  // The server whose grid is on screen is sampled as often as a single-server grid; the rest slowly.
  useEffect(() => p.fleet.focus?.(place.server), [p.fleet, place.server]);

  if (place.server) {
    const session = p.sessionOf(place.server)!;
    return (
      <App
        key={place.server}
        session={session}
        color={p.color}
        now={now}
        painter={p.painter}
        fleet={{ back, open, names: p.fleet.names }}
        initialView={place.service ? { selected: place.service, filter: { text: '', faultedOnly: false } } : undefined}
        onHandOver={(h) => p.onHandOver?.(h, place)}
      />
    );
  }
  if (help) {
    return (
      <Help
        sections={help === 'logs' ? [{ title: 'Logs', bindings: logsKeys }] : [{ title: 'Fleet', bindings: fleetKeys }]}
        width={width}
        onBack={() => setHelp(false)}
        onQuit={quit}
      />
    );
  }
  if (logs) {
    const close = () => {
      logs.dispose();
      setLogs(undefined);
    };
    return <Logs store={logs.store} actions={logs.actions} width={width} height={height} color={p.color} onBack={close} onHelp={() => setHelp('logs')} />;
  }
  const onCommand = (line: string) => {
    const cmd = parseCommandLine(line, FLEET_COMMANDS);
    if (!cmd.ok) return setStatus({ text: cmd.error, level: 'error' });
    if (cmd.name === 'quit') return quit();
    if (cmd.name === 'help') return setHelp('fleet');
    if (cmd.name === 'host') {
      const name = cmd.args[0];
      if (!name || cmd.args.length > 1) return setStatus({ text: 'which server? :host NAME', level: 'warn' });
      if (!open(name)) setStatus({ text: `no server ${name} in this fleet (${p.fleet.names.join(', ')})`, level: 'error' });
      return;
    }
    if (cmd.name === 'logs') {
      if (!cmd.args.length) return setStatus({ text: 'which services? :logs web-1:api db-1:postgres', level: 'warn' });
      if (!p.openLogs) return setStatus({ text: 'logs are not available here', level: 'warn' });
      void p.openLogs(cmd.args).then(
        (f) => {
          setStatus(undefined);
          setLogs(f);
        },
        (err: Error) => setStatus({ text: err.message, level: 'error' }),
      );
    }
  };
  return (
    <Box flexDirection="column" width={width}>
      {p.fleet.names.map((name) => {
        const s = p.sessionOf(name);
        return s ? <PendingPrompt key={name} server={name} session={s} color={p.color} /> : null;
      })}
      <Fleet
        fleet={p.fleet}
        width={width}
        height={height - 1}
        color={p.color}
        now={now}
        selected={selected}
        onSelect={setSelected}
        onOpen={(server, service) => void open(server, service)}
        onRetry={() => {
          p.fleet.retryNow();
          setStatus({ text: 'trying every waiting server now', level: 'info' });
        }}
        onCommand={onCommand}
        onHelp={() => setHelp('fleet')}
        onQuit={quit}
        status={status}
      />
    </Box>
  );
}

/** A question one server's connection asks (an unknown host key, a key passphrase), named by server. */
function PendingPrompt({ server, session, color }: { server: string; session: AppSession; color: boolean }) {
  const prompts = useStore(session.prompts);
  const pending = prompts.pending;
  if (!pending) return null;
  return (
    <Box flexDirection="column">
      <Text bold>{`${server} asks:`}</Text>
      <PromptDialog pending={pending} color={color} answer={session.prompts.answer} />
    </Box>
  );
}
