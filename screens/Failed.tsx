import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { findBinding } from '../components/key-bindings.js';
import { failedKeys } from './failed-keys.js';


/** The screen when a session could not connect: what failed, what to check, and the ways on. */
export interface FailedProps {
  message: string;
  hint: string | undefined;
  locked: string | undefined;
  color: boolean;
  onRetry: () => void;
  onUnlock: () => void;
  onHosts: () => void;
  onQuit: () => void;
}

export function Failed({ message, hint, locked, color, onRetry, onUnlock, onHosts, onQuit }: FailedProps) {
  const keys = locked ? failedKeys : failedKeys.filter((k) => k.action !== 'unlock');
  useKeypress((input, key) => {
    const b = findBinding(keys, input, key);
    if (b?.action === 'retry') onRetry();
    else if (b?.action === 'unlock') onUnlock();
    else if (b?.action === 'hosts') onHosts();
    else if (b?.action === 'quit') onQuit();
  });
  return (
    <Box flexDirection="column">
      <Text color={color ? 'red' : undefined}>{message}</Text>
      {hint ? <Text>{hint}</Text> : null}
      {locked ? <Text color={color ? 'yellow' : undefined} bold>{locked}</Text> : null}
      <KeyHints bindings={keys} width={80} />
    </Box>
  );
}
