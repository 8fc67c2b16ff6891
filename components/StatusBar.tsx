import React from 'react';
import { Box, Text } from 'ink';

export type StatusLevel = 'ok' | 'warn' | 'error' | 'info';

const COLOURS: Record<StatusLevel, string> = { ok: 'green', warn: 'yellow', error: 'red', info: 'cyan' };

/** The top line: which server, and whether what is on screen is live. */
export function StatusBar({ title, state, level, color = true }: { title: string; state: string; level: StatusLevel; color?: boolean }) {
  return (
    <Box justifyContent="space-between">
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      <Text color={color ? COLOURS[level] : undefined} wrap="truncate-end">
        {state}
      </Text>
    </Box>
  );
}
