import { useEffect, useState } from 'react';
import { Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { StatusBar, type StatusLevel } from '../components/StatusBar.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import type { ConnectionSnapshot } from '../src/transport/connection-store.js';
import { describeConnectionState } from '../src/transport/connection-store.js';


/** The title bar of a connected session, and the hint bar of screens that only go back. */
export function BackOnly({ onBack }: { onBack: () => void }) {
  useKeypress((_input, key) => {
    if (key.escape) onBack();
  });
  return <Text dimColor>esc back</Text>;
}

export function ConnectedBar({ title, connection, color }: { title: string; connection: ExternalStore<ConnectionSnapshot>; color: boolean }) {
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
