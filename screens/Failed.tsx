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
  /** Runbooks offered for a locked server (`id: title`); the entry shows only when there are some. */
  runbooks?: readonly string[] | undefined;
  onRunbook?: (() => void) | undefined;
  onHosts: () => void;
  onQuit: () => void;
}

export function Failed({ message, hint, locked, color, onRetry, onUnlock, runbooks, onRunbook, onHosts, onQuit }: FailedProps) {
  const offered = locked !== undefined && onRunbook !== undefined && runbooks !== undefined && runbooks.length > 0;
  const keys = failedKeys.filter((k) => (k.action !== 'unlock' || locked) && (k.action !== 'runbook' || offered));
  useKeypress((input, key) => {
    const b = findBinding(keys, input, key);
    if (b?.action === 'retry') onRetry();
    else if (b?.action === 'unlock') onUnlock();
    else if (b?.action === 'runbook') onRunbook?.();
    else if (b?.action === 'hosts') onHosts();
    else if (b?.action === 'quit') onQuit();
  });
  return (
    <Box flexDirection="column">
      <Text color={color ? 'red' : undefined}>{message}</Text>
      {hint ? <Text>{hint}</Text> : null}
      {locked ? <Text color={color ? 'yellow' : undefined} bold>{locked}</Text> : null}
      {offered ? <Text wrap="truncate-end">{`runbook${runbooks.length === 1 ? '' : 's'} for a locked server: ${runbooks.join(', ')}`}</Text> : null}
      <KeyHints bindings={keys} width={80} />
    </Box>
  );
}
