import React from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from './use-keypress.js';
import type { UnknownHostKeyQuestion } from '../src/transport/prompter.js';
import { findBinding } from './key-bindings.js';
import { confirmKeys } from './confirm-keys.js';

/** Trust on first use, OpenSSH-style: the fingerprint is shown and nothing is assumed. */
export function HostKeyDialog({ question, onAnswer, color = true }: { question: UnknownHostKeyQuestion; onAnswer: (trust: boolean) => void; color?: boolean }) {
  useKeypress((input, key) => {
    const b = findBinding(confirmKeys, input, key);
    if (b) onAnswer(b.action === 'yes');
  }, { layer: 'dialog' });
  const where = question.port === 22 ? question.host : `[${question.host}]:${question.port}`;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color ? 'yellow' : undefined} paddingX={1}>
      <Text bold>{`The authenticity of host '${where}' can't be established.`}</Text>
      <Text>{`${question.keyType} key fingerprint is ${question.fingerprintSHA256}.`}</Text>
      <Text dimColor>{`Compare it with the server's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub, or the provider's console).`}</Text>
      <Text>{`Trust it and add it to ${question.knownHostsFile}? (y/n)`}</Text>
    </Box>
  );
}
