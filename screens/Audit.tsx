import React from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import Spinner from 'ink-spinner';
import { KeyHints } from '../components/KeyHints.js';
import { findBinding } from '../components/key-bindings.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import { fitCell } from '../src/render/columns.js';
import type { AuditStatus } from '../src/audit/audit-row.js';
import { visibleRows, type AuditActions, type AuditSnapshot } from '../src/audit/audit-store.js';
import { auditKeys } from './audit-keys.js';

export interface AuditProps {
  audit: ExternalStore<AuditSnapshot>;
  actions: AuditActions;
  width: number;
  height: number;
  color: boolean;
  onBack: () => void;
  onHelp: () => void;
}

const MARK: Record<AuditStatus, string> = { pass: '✓ pass', warn: '! warn', fail: '✗ FAIL', info: '· info' };
const COLOUR: Record<AuditStatus, string | undefined> = { pass: 'green', warn: 'yellow', fail: 'red', info: undefined };

/** The hardening audit as a table; the selected row's evidence (command and output) and fix below. */
export function Audit({ audit, actions, width, height, color, onBack, onHelp }: AuditProps) {
  const s = useStore(audit);
  useKeypress(
    (input, key) => {
      const b = findBinding(auditKeys, input, key);
      if (!b) return;
      switch (b.action) {
        case 'up':
          return actions.move(-1);
        case 'down':
          return actions.move(1);
        case 'problems':
          return actions.toggleProblemsOnly();
        case 'rerun':
          return actions.run();
        case 'back':
          return onBack();
        case 'help':
          return onHelp();
      }
    },
  );
  const rows = visibleRows(s);
  const sel = rows[s.selected];
  const r = s.report;
  const titleW = Math.min(28, Math.max(12, Math.floor(width * 0.25)));
  const tableHeight = Math.max(3, Math.floor((height - 4) * 0.55));
  const start = Math.max(0, Math.min(s.selected - Math.floor(tableHeight / 2), rows.length - tableHeight));
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        {r ? `Audit of ${r.label}: ${r.counts.pass} pass · ${r.counts.warn} warn · ${r.counts.fail} fail${s.problemsOnly ? ' · problems only' : ''}` : 'Audit'}
      </Text>
      {s.status === 'checking' ? (
        <Text>
          <Spinner /> checking the server (read-only)…
        </Text>
      ) : null}
      {s.status === 'error' ? <Text color={color ? 'red' : undefined} wrap="wrap">{`audit failed: ${s.error ?? ''}`}</Text> : null}
      {rows.slice(start, start + tableHeight).map((row, k) => {
        const i = start + k;
        return (
          <Text key={row.id} inverse={i === s.selected} wrap="truncate-end">
            <Text color={color ? COLOUR[row.status] : undefined}>{MARK[row.status]}</Text>
            {`  ${fitCell(row.group, 10)}  ${fitCell(row.title, titleW)}  ${row.detail}`}
          </Text>
        );
      })}
      {r && rows.length === 0 ? <Text>nothing to show: no failing or warning rows</Text> : null}
      {sel ? (
        <Box flexDirection="column" borderStyle="round" paddingX={1}>
          <Text bold wrap="truncate-end">{`${sel.group} · ${sel.title}`}</Text>
          <Text wrap="wrap">{sel.detail}</Text>
          {sel.evidence.slice(0, 3).map((e, k) => (
            <Box key={k} flexDirection="column">
              <Text dimColor wrap="truncate-end">{`$ ${e.command}`}</Text>
              {e.output
                .split('\n')
                .slice(0, 6)
                .map((l, j) => (
                  <Text key={j} dimColor wrap="truncate-end">{`  ${l}`}</Text>
                ))}
            </Box>
          ))}
          {sel.fix && sel.status !== 'pass' ? <Text color={color ? 'cyan' : undefined} wrap="wrap">{`fix: ${sel.fix}`}</Text> : null}
        </Box>
      ) : null}
      <KeyHints bindings={auditKeys} width={width} />
    </Box>
  );
}
