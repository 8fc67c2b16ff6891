import React, { useEffect, useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { SecretBuffer } from './secret-buffer.js';

export interface SecretInputProps {
  prompt: string;
  onSubmit: (secret: Buffer) => void;
  onCancel: () => void;
  isActive?: boolean;
  /** Shown under the prompt, e.g. "2 tries left". */
  note?: string | undefined;
}

/**
 * Masked input for passphrases and passwords. The terminal only ever shows bullets, so nothing
 * secret reaches the scrollback; the bytes stay in a SecretBuffer that is wiped on submit,
 * cancel and unmount.
 */
export function SecretInput({ prompt, onSubmit, onCancel, isActive = true, note }: SecretInputProps) {
  const buf = useRef(new SecretBuffer());
  const [length, setLength] = useState(0);

  useEffect(() => () => buf.current.clear(), []);

  useInput(
    (input, key) => {
      if (key.return) {
        onSubmit(buf.current.take());
        setLength(0);
        return;
      }
      if (key.escape || (key.ctrl && input === 'c')) {
        buf.current.clear();
        setLength(0);
        onCancel();
        return;
      }
      if (key.backspace || key.delete) buf.current.backspace();
      else if (!key.ctrl && !key.meta && input) buf.current.push(input);
      setLength(buf.current.length);
    },
    { isActive },
  );

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
