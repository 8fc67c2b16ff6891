import React from 'react';
import { Box, Text } from 'ink';
import type { KeyBinding } from './key-bindings.js';
import { displayKey } from './key-bindings.js';

/** The hint bar: the primary bindings of the active screen's table. */
export function KeyHints({ bindings, width }: { bindings: readonly KeyBinding[]; width: number }) {
  const parts: string[] = [];
  let used = 0;
  for (const b of bindings) {
    if (!b.primary) continue;
    const part = `${displayKey(b.keys[0]!)} ${b.hint}`;
    if (used + part.length + 2 > width) break;
    parts.push(part);
    used += part.length + 2;
  }
  return (
    <Box>
      <Text dimColor wrap="truncate-end">
        {parts.join('  ')}
      </Text>
    </Box>
  );
}
