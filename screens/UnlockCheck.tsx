import React from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import Spinner from 'ink-spinner';
import { KeyHints } from '../components/KeyHints.js';
import { findBinding } from '../components/key-bindings.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import type { UnlockCheckActions, UnlockCheckSnapshot } from '../src/unlock/check/unlock-check-store.js';
import type { CheckStatus } from '../src/unlock/check/evaluate-check.js';
import { unlockCheckKeys } from './unlock-check-keys.js';

export interface UnlockCheckProps {
  check: ExternalStore<UnlockCheckSnapshot>;
  actions: UnlockCheckActions;
  width: number;
  color: boolean;
  onBack: () => void;
  onHelp: () => void;
}

const GLYPH: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', info: '·' };
const COLOUR: Record<CheckStatus, string | undefined> = { pass: 'green', warn: 'yellow', fail: 'red', info: undefined };

/** Is this server ready to be unlocked after its next reboot? Read-only until `w` then `y`. */
export function UnlockCheck({ check, actions, width, color, onBack, onHelp }: UnlockCheckProps) {
  const s = useStore(check);
  useKeypress((input, key) => {
    const b = findBinding(unlockCheckKeys, input, key);
    if (!b) return;
    switch (b.action) {
      case 'rerun':
        return actions.run();
      case 'pin':
        return actions.pin();
      case 'write':
        return actions.proposeFix();
      case 'confirm':
        if (s.confirming) actions.confirmFix();
        return;
      case 'back':
        if (s.confirming) return actions.cancelFix();
        return onBack();
      case 'help':
        return onHelp();
    }
  });

  const r = s.report;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">{`Remote unlock setup${r ? ` of ${r.label}` : ''}`}</Text>
      {s.status === 'checking' || s.status === 'writing' ? (
        <Text>
          <Spinner /> {s.status === 'checking' ? 'checking the server…' : 'writing and rebuilding the initramfs…'}
        </Text>
      ) : null}
      {s.status === 'error' ? <Text color={color ? 'red' : undefined} wrap="wrap">{`check failed: ${s.error ?? ''}`}</Text> : null}
      {r ? (
        <Box flexDirection="column" marginTop={1}>
          {r.items.map((i, k) => (
            <Box key={k} flexDirection="column">
              <Text wrap="truncate-end">
                <Text color={color ? COLOUR[i.status] : undefined}>{GLYPH[i.status]}</Text>
                {` ${i.title}: ${i.detail}`}
              </Text>
              {i.hint && i.status !== 'pass' ? (
                <Text dimColor wrap="truncate-end">
                  {`    ${i.hint}`}
                </Text>
              ) : null}
            </Box>
          ))}
        </Box>
      ) : null}
      {s.canPin ? <Text color={color ? 'yellow' : undefined}>p pins the Dropbear key now, while this connection vouches for it.</Text> : null}
      {s.confirming && s.plan?.kind === 'changes' ? (
        <Box flexDirection="column" borderStyle="round" paddingX={1} marginTop={1}>
          <Text bold>These changes would be made:</Text>
          {s.plan.files.map((f) => (
            <Box key={f.path} flexDirection="column">
              <Text>{`${f.path}${f.before === null ? ' (new file)' : ''}`}</Text>
              {f.diff.map((d, k) => (
                <Text key={k} color={color ? (d.startsWith('+') ? 'green' : 'red') : undefined} wrap="truncate-end">
                  {`  ${d}`}
                </Text>
              ))}
            </Box>
          ))}
          {s.plan.commands.map((c, k) => (
            <Text key={k}>{`then: ${c.join(' ')}`}</Text>
          ))}
          <Text>y writes them · esc drops them</Text>
        </Box>
      ) : null}
      {s.messages.map((m, k) => (
        <Text key={k} wrap="truncate-end">
          {m}
        </Text>
      ))}
      <KeyHints bindings={unlockCheckKeys} width={width} />
    </Box>
  );
}
