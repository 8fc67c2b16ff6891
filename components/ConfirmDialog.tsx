import React from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from './use-keypress.js';
import { findBinding } from './key-bindings.js';
import { KeyHints } from './KeyHints.js';
import { confirmKeys } from './confirm-keys.js';

/** Asks before anything destructive, naming the target; `detail` shows e.g. the exact command. */
export function ConfirmDialog({ title, detail, onAnswer, color = true, width = 80 }: { title: string; detail?: string | undefined; onAnswer: (yes: boolean) => void; color?: boolean; width?: number }) {
  useKeypress((input, key) => {
    const b = findBinding(confirmKeys, input, key);
    if (b) onAnswer(b.action === 'yes');
  }, { layer: 'dialog' });
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color ? 'yellow' : undefined} paddingX={1}>
      <Text bold>{title}</Text>
      {detail ? <Text>{detail}</Text> : null}
      <KeyHints bindings={confirmKeys} width={width - 4} />
    </Box>
  );
}
