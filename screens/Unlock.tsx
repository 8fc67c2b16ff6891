import React from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import Spinner from 'ink-spinner';
import { HostKeyDialog } from '../components/HostKeyDialog.js';
import { KeyHints } from '../components/KeyHints.js';
import { SecretInput } from '../components/SecretInput.js';
import { findBinding } from '../components/key-bindings.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import { formatDuration } from '../src/render/duration.js';
import type { UnlockActions, UnlockPhase, UnlockSnapshot } from '../src/unlock/unlock-store.js';
import { unlockKeys } from './unlock-keys.js';

export interface UnlockProps {
  unlock: ExternalStore<UnlockSnapshot>;
  actions: UnlockActions;
  width: number;
  height: number;
  color: boolean;
  onBack: () => void;
  onHelp: () => void;
}

/** Phases in which a dialog owns the keyboard. */
const DIALOG: readonly UnlockPhase['phase'][] = ['secret', 'host-key'];
const RUNNING: readonly UnlockPhase['phase'][] = ['probing', 'connecting', 'unlocking', 'waiting'];

/**
 * From "the server is down after a reboot" back to the dashboard: what the knocks found, the
 * masked passphrase prompt, each cryptroot-unlock answer, then the wait for sshd.
 */
export function Unlock({ unlock, actions, width, height, color, onBack, onHelp }: UnlockProps) {
  const s = useStore(unlock);
  const c = s.current;
  const red = color ? 'red' : undefined;
  const green = color ? 'green' : undefined;
  const yellow = color ? 'yellow' : undefined;

  useKeypress(
    (input, key) => {
      const b = findBinding(unlockKeys, input, key);
      if (!b) return;
      switch (b.action) {
        case 'proceed':
          if (c.phase === 'back') return actions.openDashboard();
          if (c.phase === 'detected' || c.phase === 'failed') return actions.start();
          return;
        case 'retry':
          if (!RUNNING.includes(c.phase)) actions.probe();
          return;
        case 'back':
          actions.cancel();
          return onBack();
        case 'help':
          return onHelp();
      }
    },
  );

  const logRoom = Math.max(0, height - 12);
  const log = s.log.slice(-logRoom);

  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">{`Unlock ${s.label} · initramfs ${s.initramfs}`}</Text>
      <Box flexDirection="column" marginY={1}>
        {c.phase === 'idle' || c.phase === 'probing' ? (
          <Text>
            <Spinner /> knocking on sshd and the initramfs…
          </Text>
        ) : null}
        {c.phase === 'detected' ? (
          <>
            <Text color={c.state === 'waiting-for-passphrase' ? yellow : c.state === 'up' ? green : red} wrap="wrap">
              {c.message}
            </Text>
            {c.hint ? <Text dimColor wrap="wrap">{c.hint}</Text> : null}
            <Text>
              {c.state === 'waiting-for-passphrase'
                ? 'Press enter to unlock.'
                : c.state === 'up'
                  ? 'Nothing to unlock. (enter tries anyway)'
                  : 'r knocks again; enter tries the unlock anyway.'}
            </Text>
          </>
        ) : null}
        {c.phase === 'connecting' ? (
          <Text>
            <Spinner /> connecting to the initramfs…
          </Text>
        ) : null}
        {c.phase === 'host-key' ? (
          <>
            <Text wrap="wrap">{"This is the initramfs's Dropbear key, not sshd's. Compare it with what 'opsdeck unlock check' printed while the server was up."}</Text>
            <HostKeyDialog question={c.question} onAnswer={actions.answerHostKey} color={color} />
          </>
        ) : null}
        {c.phase === 'secret' ? <SecretInput prompt={c.prompt} note={c.note} onSubmit={actions.submitSecret} onCancel={actions.cancelSecret} /> : null}
        {c.phase === 'unlocking' ? (
          <Text>
            <Spinner /> {c.line}
          </Text>
        ) : null}
        {c.phase === 'waiting' ? (
          <>
            <Text>
              <Spinner /> {`waiting for sshd: ${formatDuration(c.elapsedMs)} of ${formatDuration(c.timeoutMs)}`}
            </Text>
            <Text dimColor wrap="truncate-end">{`last knock: ${c.last}`}</Text>
          </>
        ) : null}
        {c.phase === 'back' ? (
          <>
            <Text color={green} wrap="wrap">{`✓ ${c.line}`}</Text>
            <Text>Opening the dashboard… (enter if it does not)</Text>
          </>
        ) : null}
        {c.phase === 'failed' ? (
          <>
            <Text color={red} wrap="wrap">{`✗ ${c.line}`}</Text>
            {c.hint ? <Text wrap="wrap">{c.hint}</Text> : null}
            {(c.advice ?? []).map((a, i) => (
              <Text key={i} wrap="wrap">{`  • ${a}`}</Text>
            ))}
            <Text dimColor>enter: unlock again · r: knock again</Text>
          </>
        ) : null}
      </Box>
      {s.devices.length ? <Text color={green} wrap="truncate-end">{`unlocked: ${s.devices.join(', ')}`}</Text> : null}
      {log.map((line, i) => (
        <Text key={i} dimColor wrap="truncate-end">
          {line}
        </Text>
      ))}
      {!DIALOG.includes(c.phase) ? <KeyHints bindings={unlockKeys} width={width} /> : null}
    </Box>
  );
}
