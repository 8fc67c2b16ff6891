import React from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import type { KeyBinding } from '../components/key-bindings.js';
import { displayKey, findBinding } from '../components/key-bindings.js';
import { KeyHints } from '../components/KeyHints.js';
import { helpKeys } from './help-keys.js';

export interface HelpSection {
  title: string;
  bindings: readonly KeyBinding[];
}

/** Generated from the same binding tables the screens dispatch through. */
export function Help({ sections, width, onBack, onQuit }: { sections: readonly HelpSection[]; width: number; onBack: () => void; onQuit: () => void }) {
  useKeypress((input, key) => {
    const b = findBinding(helpKeys, input, key);
    if (b?.action === 'back') onBack();
    else if (b?.action === 'quit') onQuit();
  });
  return (
    <Box flexDirection="column">
      <Text bold>Key bindings</Text>
      {sections.map((s) => (
        <Box key={s.title} flexDirection="column" marginTop={1}>
          <Text bold>{s.title}</Text>
          {s.bindings.map((b) => (
            <Text key={b.action} wrap="truncate-end">
              {`  ${b.keys.map(displayKey).join(', ').padEnd(16)} ${b.description}`}
            </Text>
          ))}
        </Box>
      ))}
      <Box marginTop={1}>
        <KeyHints bindings={helpKeys} width={width} />
      </Box>
    </Box>
  );
}
