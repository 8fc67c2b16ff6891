import { useEffect, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { findBinding } from '../components/key-bindings.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import type { FleetSnapshot } from '../src/fleet/fleet-store.js';
import { fleetLines, NAME_WIDTH, type FleetLine } from '../src/render/fleet-lines.js';
import { fleetKeys } from './fleet-keys.js';
import { levelColour } from './status-colour.js';
import { CommandInput } from './CommandLine.js';
import { FLEET_COMMANDS } from './app-commands.js';

export interface FleetProps {
  fleet: ExternalStore<FleetSnapshot>;
  width: number;
  height: number;
  color: boolean;
  now: () => number;
  /** The line selected when the view was last left (`server` or `server|serviceKey`). */
  selected?: string | undefined;
  onSelect?: (id: string) => void;
  onOpen: (server: string, serviceKey: string | undefined) => void;
  onRetry: () => void;
  /** A command typed at `:` (already without the colon). */
  onCommand: (line: string) => void;
  onHelp: () => void;
  onQuit: () => void;
  status?: { text: string; level: 'ok' | 'warn' | 'error' | 'info' } | undefined;
}

const lineId = (l: FleetLine) => (l.service ? `${l.server}|${l.service}` : (l.server ?? ''));

/** Every server at once: state, faulted services under each, and the notices. */
export function Fleet(p: FleetProps) {
  const snap = useStore(p.fleet);
  const [commandMode, setCommandMode] = useState(false);
  const [, setTick] = useState(0);
  const now = p.now();
  // Countdowns move every second while a server is not connected; connected ages are in
  // minutes, so otherwise the view redraws every 30 s (idle CPU is a budget).
  const seconds = snap.rows.some((r) => r.link.state !== 'connected');
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), seconds ? 1000 : 30_000);
    return () => clearInterval(t);
  }, [seconds]);
  const noticeLines = Math.max(2, Math.min(8, p.height - 4 - snap.rows.length * 2));
  const lines = fleetLines(snap.rows, snap.notices, now, p.width, { noticeLines });
  const selectable = lines.filter((l) => l.kind === 'server' || l.kind === 'service');
  // A ref, not state: several arrow keys in one read must each move from where the last left off.
  const selected = useRef<string | undefined>(p.selected);
  const [, redraw] = useState(0);
  if (selected.current === undefined || !selectable.some((l) => lineId(l) === selected.current)) {
    selected.current = selectable[0] ? lineId(selectable[0]) : undefined;
  }
  const move = (to: number | 'first' | 'last') => {
    if (!selectable.length) return;
    const at = selectable.findIndex((l) => lineId(l) === selected.current);
    const next = to === 'first' ? 0 : to === 'last' ? selectable.length - 1 : Math.max(0, Math.min(selectable.length - 1, at + to));
    selected.current = lineId(selectable[next]!);
    p.onSelect?.(selected.current);
    redraw((n) => n + 1);
  };
  useKeypress(
    (input, key) => {
      const b = findBinding(fleetKeys, input, key);
      switch (b?.action) {
        case 'down': return move(1);
        case 'up': return move(-1);
        case 'top': return move('first');
        case 'bottom': return move('last');
        case 'open': {
          const line = selectable.find((l) => lineId(l) === selected.current);
          if (line?.server) p.onOpen(line.server, line.service);
          return;
        }
        case 'retry': return p.onRetry();
        case 'command': return setCommandMode(true);
        case 'help': return p.onHelp();
        case 'quit': return p.onQuit();
        default: return;
      }
    },
    { isActive: !commandMode },
  );
  const title = `opsdeck · fleet${snap.group ? ` ${snap.group}` : ''} · ${snap.rows.length} servers · ${snap.connected} connected`;
  const colourOf = (l: FleetLine) => (!p.color ? undefined : l.kind === 'server' ? undefined : l.level ? levelColour(l.level) : undefined);
  const words = snap.rows.flatMap((r) => [r.name, ...r.faulted.map((s) => `${r.name}:${s.name.split('/').at(-1)}`)]);
  return (
    <Box flexDirection="column" width={p.width}>
      <Text bold wrap="truncate-end">{title}</Text>
      {lines.map((l, i) => {
        const isSelected = (l.kind === 'server' || l.kind === 'service') && lineId(l) === selected.current;
        if (l.kind === 'server') {
          // The name in the server's own colour, the state in its level's: production never looks like staging.
          const name = l.text.slice(0, NAME_WIDTH);
          const rest = l.text.slice(NAME_WIDTH);
          return (
            <Text key={i} inverse={isSelected} dimColor={l.dim} wrap="truncate-end">
              <Text color={p.color ? l.colour : undefined} bold>{name}</Text>
              <Text color={p.color && l.level ? levelColour(l.level) : undefined}>{rest}</Text>
            </Text>
          );
        }
        return (
          <Text key={i} inverse={isSelected} dimColor={l.dim || l.kind === 'header' || l.kind === 'rule'} color={colourOf(l)} wrap="truncate-end">
            {l.text}
          </Text>
        );
      })}
      {commandMode ? (
        <CommandInput
          commands={FLEET_COMMANDS}
          words={words}
          onDone={(line) => {
            setCommandMode(false);
            if (line !== undefined) p.onCommand(line);
          }}
        />
      ) : p.status ? (
        <Text color={p.color ? levelColour(p.status.level) : undefined} wrap="truncate-end">
          {p.status.text}
        </Text>
      ) : (
        <KeyHints bindings={fleetKeys} width={p.width} />
      )}
    </Box>
  );
}
