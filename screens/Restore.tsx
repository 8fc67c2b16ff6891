import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { TextInput } from '../components/TextInput.js';
import { findBinding } from '../components/key-bindings.js';
import type { BackupActions } from '../src/backup/backup-feature.js';
import { formatClock } from '../src/backup/backup-rows.js';
import type { RestoreSnapshot } from '../src/backup/backup-stores.js';
import { fitCell } from '../src/render/columns.js';
import { restoreKeys } from './restore-keys.js';

export interface RestoreProps {
  /** The backup to restore (from the Backups screen). */
  id: string;
  restore: RestoreSnapshot;
  width: number;
  height: number;
  color: boolean;
  actions: Pick<BackupActions, 'testRestore' | 'liveRestore' | 'rollback' | 'resetRestore'>;
  onHelp: () => void;
  onBack: () => void;
}

const STEP_TEXT: Record<string, string> = {
  locate: 'find the backup',
  fetch: 'fetch it back from the off-site copy',
  verify: 'verify it (sha256, decrypt, pg_restore --list)',
  scratch: 'start a throwaway PostgreSQL',
  restore: 'pg_restore',
  count: 'count rows, restored and live',
  cleanup: 'remove the throwaway copy',
  'safety-backup': 'safety backup of the live database',
  'stop-services': 'stop the services that use the database',
  sessions: 'wait for other sessions to leave the database',
  'start-services': 'start the services again',
  health: 'wait until they are healthy',
};

/**
 * The test restore is one key; a live restore needs the database name typed out. After a failed
 * live restore the way back (the safety backup) is offered, with the name typed again.
 */
export function Restore({ id, restore, width, height, color, actions, onHelp, onBack }: RestoreProps) {
  const database = id.replace(/-\d{8}T\d{6}Z$/, '');
  const [confirming, setConfirming] = useState<'live' | 'rollback' | undefined>(undefined);
  const [refused, setRefused] = useState<string | undefined>(undefined);
  const running = restore.phase === 'running';
  const canRollback = !running && restore.mode === 'live' && restore.phase === 'failed' && restore.live?.safetyBackupId !== undefined;

  useKeypress(
    (input, key) => {
      const b = findBinding(restoreKeys, input, key);
      if (!b) return;
      setRefused(undefined);
      switch (b.action) {
        case 'test': return running ? undefined : actions.testRestore(id);
        case 'live': return running ? undefined : setConfirming('live');
        case 'rollback': return canRollback ? setConfirming('rollback') : undefined;
        case 'again': return running ? undefined : actions.resetRestore();
        case 'help': return onHelp();
        case 'back': return onBack();
      }
    },
  );

  const submit = (typed: string) => {
    const what = confirming;
    setConfirming(undefined);
    if (typed !== database) {
      setRefused(`'${typed}' is not '${database}': nothing was restored`);
      return;
    }
    if (what === 'live') actions.liveRestore(id, typed);
    else actions.rollback();
  };

  const elapsed = restore.startedAt !== undefined ? formatClock(restore.now - restore.startedAt) : '';
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{`Restore ${id}`}</Text>
      {!running && restore.phase === 'idle' ? (
        <Box flexDirection="column">
          <Text>t: test restore into a throwaway container from the live image; row counts compared with the live database.</Text>
          <Text>{`L: restore over the live database ${database} (verify, safety backup, services stopped and started, health check).`}</Text>
        </Box>
      ) : null}
      {confirming ? (
        <Box flexDirection="column">
          <Text color={color ? 'red' : undefined} bold>
            {confirming === 'live'
              ? `This replaces the live database ${database} with ${id}.`
              : `This restores the safety backup ${restore.live?.safetyBackupId ?? ''} over ${database}.`}
          </Text>
          <TextInput prefix={`Type the database name (${database}) to go on: `} onSubmit={submit} onCancel={() => setConfirming(undefined)} />
          <Text dimColor>enter restore · esc cancel</Text>
        </Box>
      ) : null}
      {refused ? <Text color={color ? 'yellow' : undefined}>{refused}</Text> : null}
      {restore.phase !== 'idle' ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>{`${restore.mode === 'live' ? 'live restore' : 'test restore'} of ${restore.id ?? id}${running ? ` · ${elapsed}` : ''}`}</Text>
          {restore.steps.map((s, i) => {
            const last = i === restore.steps.length - 1;
            const glyph = last && running ? '…' : last && restore.phase === 'failed' ? '✗' : '✓';
            return (
              <Text key={i} wrap="truncate-end" color={color ? (glyph === '✗' ? 'red' : glyph === '✓' ? 'green' : 'yellow') : undefined}>
                {`${glyph} ${STEP_TEXT[s.id] ?? s.id}${s.detail ? ` (${s.detail})` : ''}`}
              </Text>
            );
          })}
        </Box>
      ) : null}
      {!running && restore.test ? <TestResult restore={restore} width={width} height={height} color={color} /> : null}
      {!running && restore.live ? <LiveResult restore={restore} color={color} /> : null}
      {!running && restore.phase === 'failed' && restore.error && !restore.test && !restore.live ? (
        <Text color={color ? 'red' : undefined} wrap="wrap">{restore.error}</Text>
      ) : null}
      {!confirming ? <KeyHints bindings={restoreKeys.filter((b) => b.action !== 'rollback' || canRollback)} width={width} /> : null}
    </Box>
  );
}

function TestResult({ restore, width, height, color }: { restore: RestoreSnapshot; width: number; height: number; color: boolean }) {
  const t = restore.test!;
  const w = Math.min(Math.max(12, ...t.tables.map((x) => x.table.length)), Math.max(12, width - 30));
  const shown = t.tables.slice(0, Math.max(3, height - 14));
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={color ? (t.ok ? 'green' : 'red') : undefined} wrap="wrap">{`${t.ok ? 'PASSED' : 'FAILED'} (${t.method}, ${t.image}, ${formatClock(t.durationMs)}): ${t.message}`}</Text>
      {t.tables.length ? <Text bold>{`${fitCell('TABLE', w)}  ${'RESTORED'.padStart(10)}  ${'LIVE'.padStart(10)}`}</Text> : null}
      {shown.map((r) => (
        <Text key={r.table} color={color && r.restored !== r.live ? 'yellow' : undefined}>
          {`${fitCell(r.table, w)}  ${String(r.restored ?? '—').padStart(10)}  ${String(r.live ?? '—').padStart(10)}${r.restored !== r.live ? '  ≠' : ''}`}
        </Text>
      ))}
      {t.tables.length > shown.length ? <Text dimColor>{`… and ${t.tables.length - shown.length} more tables`}</Text> : null}
    </Box>
  );
}

function LiveResult({ restore, color }: { restore: RestoreSnapshot; color: boolean }) {
  const r = restore.live!;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={color ? (r.ok ? 'green' : 'red') : undefined} wrap="wrap">{r.message}</Text>
      <Text>{`safety backup: ${r.safetyBackupId ?? '—'}`}</Text>
      {r.stopped.length ? <Text wrap="truncate-end">{`stopped and started: ${r.stopped.join(', ')}`}</Text> : null}
      {r.health.map((h) => (
        <Text key={h.name} color={color ? (h.state === 'healthy' || h.state === 'running' ? 'green' : 'red') : undefined}>{`${h.name}: ${h.state}`}</Text>
      ))}
      {!r.ok && r.rollback ? <Text color={color ? 'yellow' : undefined} wrap="wrap">{`Press u to go back to the safety backup, or run: ${r.rollback}`}</Text> : null}
    </Box>
  );
}
