import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { findBinding } from '../components/key-bindings.js';
import type { ServiceRow } from '../src/model/grouping.js';
import type { ExitRecord } from '../src/model/grid-store.js';
import { serviceDetailLines } from '../src/render/service-detail.js';
import { detailKeys } from './detail-keys.js';

export interface ServiceDetailProps {
  row: ServiceRow;
  exits: readonly ExitRecord[];
  width: number;
  height: number;
  color: boolean;
  readonly: boolean;
  now: number;
  onLogs: () => void;
  onShell: () => void;
  onBack: () => void;
  onHelp: () => void;
  onQuit: () => void;
}

export function ServiceDetail(p: ServiceDetailProps) {
  const [top, setTop] = useState(0);
  const keys = p.readonly ? detailKeys.filter((k) => !k.mutates) : detailKeys;
  const lines = serviceDetailLines(p.row, p.exits, { color: p.color, now: p.now });
  const page = Math.max(3, p.height - 2);
  const maxTop = Math.max(0, lines.length - page);
  const scroll = (n: number) => setTop((t) => Math.min(maxTop, Math.max(0, t + n)));
  useKeypress(
    (input, key) => {
      const b = findBinding(keys, input, key);
      switch (b?.action) {
        case 'down': return scroll(1);
        case 'up': return scroll(-1);
        case 'pageDown': return scroll(page);
        case 'pageUp': return scroll(-page);
        case 'top': return setTop(0);
        case 'bottom': return setTop(maxTop);
        case 'logs': return p.onLogs();
        case 'shell': return p.onShell();
        case 'back': return p.onBack();
        case 'help': return p.onHelp();
        case 'quit': return p.onQuit();
        default: return;
      }
    },
  );
  return (
    <Box flexDirection="column">
      {lines.slice(Math.min(top, maxTop), Math.min(top, maxTop) + page).map((l, i) => (
        <Text key={i} wrap="truncate-end" bold={l.bold} dimColor={l.dim} color={p.color ? l.color : undefined}>
          {l.text || ' '}
        </Text>
      ))}
      <KeyHints bindings={keys} width={p.width} />
    </Box>
  );
}
