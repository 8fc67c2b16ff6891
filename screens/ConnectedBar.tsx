import React, { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import type { StatusLevel } from '../components/StatusBar.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import type { ConnectionSnapshot } from '../src/transport/connection-store.js';
import { describeConnectionState } from '../src/transport/connection-store.js';
import type { AppSessionSnapshot } from './app-session.js';
import { levelColour } from './status-colour.js';


/** The title bar of a connected session, and the hint bar of screens that only go back. */
export function BackOnly({ onBack }: { onBack: () => void }) {
  useKeypress((_input, key) => {
    if (key.escape) onBack();
  });
  return <Text dimColor>esc back</Text>;
}

/**
 * The top line of every screen of a session, connected or not: the server's name in its colour
 * (the profile's, else red for production: src/render/server-colour.ts), so that acting on the
 * wrong server is harder to do by eye.
 */
export function SessionBar({ snap, readonly, serverColour, color, fleet = false }: { snap: AppSessionSnapshot; readonly: boolean; serverColour?: string | undefined; color: boolean; fleet?: boolean }) {
  // Opened from the fleet view: say how to get back to it.
  const suffix = `${snap.phase === 'ready' && readonly ? ' · read-only' : ''}${fleet ? ' · esc: fleet' : ''}`;
  const title = <ServerTitle label={snap.label} suffix={suffix} colour={serverColour} color={color} />;
  if (snap.phase === 'ready') return <ConnectedBar title={title} connection={snap.connection} color={color} />;
  return <Bar title={title} state={snap.phase === 'connecting' ? 'connecting' : 'not connected'} level={snap.phase === 'failed' ? 'error' : 'info'} color={color} />;
}

export function ServerTitle({ label, suffix = '', colour, color }: { label: string; suffix?: string; colour?: string | undefined; color: boolean }) {
  return (
    <Text bold wrap="truncate-end">
      {'opsdeck · '}
      <Text color={color ? colour : undefined}>{label}</Text>
      {suffix}
    </Text>
  );
}

export function ConnectedBar({ title, connection, color }: { title: string | React.ReactElement; connection: ExternalStore<ConnectionSnapshot>; color: boolean }) {
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
  return <Bar title={title} state={describeConnectionState(c.state)} level={level} color={color} />;
}

/** StatusBar's layout with a title that may carry a coloured name (StatusBar's title is plain text). */
function Bar({ title, state, level, color }: { title: string | React.ReactElement; state: string; level: StatusLevel; color: boolean }) {
  return (
    <Box justifyContent="space-between">
      {typeof title === 'string' ? (
        <Text bold wrap="truncate-end">
          {title}
        </Text>
      ) : (
        title
      )}
      <Text color={color ? levelColour(level) : undefined} wrap="truncate-end">
        {state}
      </Text>
    </Box>
  );
}
