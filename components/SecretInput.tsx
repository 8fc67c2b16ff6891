import React from 'react';
import { Box, Text } from 'ink';
import type { KeyLayer } from './use-keypress.js';
import { useSecretInput } from './use-secret-input.js';

export interface SecretInputProps {
  prompt: string;
  onSubmit: (secret: Buffer) => void;
  onCancel: () => void;
  /** Shown under the prompt, e.g. "2 tries left". */
  note?: string | undefined;
  /** 'text' (default); the session's passphrase prompt over any screen says 'dialog'. */
  layer?: KeyLayer;
}

/**
 * Masked input for passphrases and passwords. The terminal only ever shows bullets, so nothing
 * secret reaches the scrollback (use-secret-input.ts holds the bytes).
 */
export function SecretInput({ prompt, onSubmit, onCancel, note, layer }: SecretInputProps) {
  const length = useSecretInput({ onSubmit, onCancel, layer });
  return (
    <Box flexDirection="column">
      <Text>
        {prompt}: <Text>{'•'.repeat(Math.min(length, 32))}</Text>
        <Text inverse> </Text>
      </Text>
      {note ? <Text dimColor>{note}</Text> : null}
      <Text dimColor>enter submit · esc cancel</Text>
    </Box>
  );
}
