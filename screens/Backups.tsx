import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { findBinding } from '../components/key-bindings.js';
import { Table, type TableColumn, type TableRow } from '../components/Table.js';
import type { BackupActions } from '../src/backup/backup-feature.js';
import { backupRows, formatClock, formatTransfer, lastRunLine, restoreTestLine, rpoLine, scheduleLine, type Tone } from '../src/backup/backup-rows.js';
import type { BackupListSnapshot } from '../src/backup/backup-stores.js';
import { currentStep, elapsedMs, type RunProgress } from '../src/backup/run-progress.js';
import { backupsKeys } from './backups-keys.js';

export interface BackupsProps {
  list: BackupListSnapshot;
  /** A run in progress shows as one line here (the wizard shows it in full). */
  run: RunProgress;
  width: number;
  height: number;
  color: boolean;
  actions: Pick<BackupActions, 'verify' | 'runBackup' | 'pruneDryRun' | 'refresh'>;
  onOpenRestore: (id: string) => void;
  onOpenWizard: () => void;
  onHelp: () => void;
  onBack: () => void;
}

const TONE: Record<Tone, string | undefined> = { ok: 'green', warn: 'yellow', error: 'red', dim: undefined };

function Line({ text, tone, color }: { text: string; tone: Tone; color: boolean }) {
  return (
    <Text color={color ? TONE[tone] : undefined} dimColor={tone === 'dim'} bold={tone === 'error'} wrap="truncate-end">
      {tone === 'error' && !color ? `! ${text}` : text}
    </Text>
  );
}

/** Every backup with age, size, verified and off-site state, under the RPO and schedule lines. */
export function Backups({ list, run, width, height, color, actions, onOpenRestore, onOpenWizard, onHelp, onBack }: BackupsProps) {
  const [selected, setSelected] = useState(0);
  const listing = list.listing;
  const rows = listing ? backupRows(listing.backups, list.now, list.offsiteConfigured) : [];
  const last = Math.max(0, rows.length - 1);
  const clamp = (n: number) => Math.min(last, Math.max(0, n));
  const current = rows[clamp(selected)];

  useKeypress((input, key) => {
    const b = findBinding(backupsKeys, input, key);
    if (!b) return;
    switch (b.action) {
      case 'down': return setSelected((s) => clamp(s + 1));
      case 'up': return setSelected((s) => clamp(s - 1));
      case 'top': return setSelected(0);
      case 'bottom': return setSelected(last);
      case 'restore': return current ? onOpenRestore(current.id) : undefined;
      case 'verify': return current ? actions.verify(current.id) : undefined;
      case 'runNow':
        actions.runBackup();
        return onOpenWizard();
      case 'wizard': return onOpenWizard();
      case 'pruneDryRun': return actions.pruneDryRun();
      case 'refresh': return actions.refresh();
      case 'help': return onHelp();
      case 'back': return onBack();
    }
  });

  const header: { text: string; tone: Tone }[] = [];
  if (listing) {
    header.push(rpoLine(list.rpo), scheduleLine(listing, list.now));
    const lr = lastRunLine(listing, list.now);
    if (lr) header.push(lr);
    header.push(restoreTestLine(listing, list.now));
  }
  if (run.phase === 'running') {
    const step = currentStep(run);
    header.push({ text: `backing up: ${step ? `${step.id}${step.subject ? ` ${step.subject}` : ''}` : 'starting'} · ${formatTransfer(run.bytes, run.rateBps)} · ${formatClock(elapsedMs(run))}`, tone: 'warn' });
  }
  const columns = fitColumns(width);
  const tableRows: TableRow[] = rows.map((r) => ({
    id: r.id,
    cells: {
      id: r.id,
      age: r.age,
      size: { text: r.size },
      verified: { text: r.verified.text, color: TONE[r.verified.tone] },
      offsite: { text: r.offsite.text, color: TONE[r.offsite.tone], dim: r.offsite.tone === 'dim' },
      test: { text: r.restoreTest.text, color: TONE[r.restoreTest.tone], dim: r.restoreTest.tone === 'dim' },
    },
  }));
  const bodyHeight = Math.max(3, height - header.length - 5);

  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{`Backups${listing ? ` · ${listing.directory}` : ''}`}</Text>
      {list.status === 'loading' && !listing ? <Text dimColor>reading the backup directory…</Text> : null}
      {list.status === 'error' ? <Line text={`cannot read backups: ${list.error ?? ''}`} tone="error" color={color} /> : null}
      {header.map((h, i) => (
        <Line key={i} text={h.text} tone={h.tone} color={color} />
      ))}
      {listing && rows.length === 0 ? <Text>{listing.directoryExists ? 'No backups yet.' : 'No backups yet (the directory does not exist).'} Press b to back up now.</Text> : null}
      {rows.length > 0 ? <Table columns={columns} rows={tableRows} selectedId={current?.id} height={bodyHeight} color={color} /> : null}
      {list.busy ? <Text color={color ? 'yellow' : undefined}>{`${list.busy}…`}</Text> : null}
      {list.notice ? <Line text={list.notice.text} tone={list.notice.level} color={color} /> : null}
      <KeyHints bindings={backupsKeys} width={width} />
    </Box>
  );
}

function fitColumns(width: number): TableColumn[] {
  const fixed = { age: 9, size: 10, verified: 11, offsite: 12 };
  const gaps = 5;
  const rest = Math.max(24, width - fixed.age - fixed.size - fixed.verified - fixed.offsite - gaps);
  const id = Math.min(Math.max(22, Math.floor(rest * 0.6)), 40);
  const test = Math.max(0, rest - id);
  const cols: TableColumn[] = [
    { key: 'id', header: 'BACKUP', width: id },
    { key: 'age', header: 'AGE', width: fixed.age },
    { key: 'size', header: 'SIZE', width: fixed.size, align: 'right' },
    { key: 'verified', header: 'VERIFIED', width: fixed.verified },
    { key: 'offsite', header: 'OFF-SITE', width: fixed.offsite },
  ];
  if (test >= 10) cols.push({ key: 'test', header: 'TEST RESTORE', width: test });
  return cols;
}
