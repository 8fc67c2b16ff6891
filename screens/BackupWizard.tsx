import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { TextInput } from '../components/TextInput.js';
import { findBinding } from '../components/key-bindings.js';
import type { BackupActions } from '../src/backup/backup-feature.js';
import { formatClock, formatTransfer } from '../src/backup/backup-rows.js';
import { currentStep, elapsedMs, type RunProgress } from '../src/backup/run-progress.js';
import { visibleFields, type FieldKey } from '../src/backup/settings-form.js';
import type { WizardSnapshot } from '../src/backup/wizard-store.js';
import { formatBytes } from '../src/render/bytes.js';
import { fitCell } from '../src/render/columns.js';
import { backupWizardKeys } from './backup-wizard-keys.js';

export interface BackupWizardProps {
  wizard: WizardSnapshot;
  run: RunProgress;
  width: number;
  height: number;
  color: boolean;
  actions: Pick<BackupActions, 'detect' | 'choose' | 'setField' | 'saveSettings' | 'wizardBack' | 'wizardToRun' | 'runBackup' | 'cancelRun'>;
  onHelp: () => void;
  onBack: () => void;
}

/**
 * Detect PostgreSQL, confirm the settings, run with progress (step, bytes, rate, elapsed), and
 * the summary. The run view also shows whenever a backup is running.
 */
export function BackupWizard({ wizard, run, width, height, color, actions, onHelp, onBack }: BackupWizardProps) {
  const [cursor, setCursor] = useState(0);
  const [editing, setEditing] = useState<FieldKey | undefined>(undefined);
  const stage = run.phase === 'running' ? 'run' : wizard.stage;
  const fields = visibleFields(wizard.draft);
  const count = stage === 'detect' ? wizard.detection.candidates.length : stage === 'settings' ? fields.length : 0;
  const clamp = (n: number) => Math.min(Math.max(0, count - 1), Math.max(0, n));
  const at = clamp(cursor);

  useKeypress(
    (input, key) => {
      const b = findBinding(backupWizardKeys, input, key);
      if (!b) return;
      switch (b.action) {
        case 'down': return setCursor((c) => clamp(c + 1));
        case 'up': return setCursor((c) => clamp(c - 1));
        case 'select':
          if (stage === 'detect') {
            if (count > 0) {
              actions.choose(at);
              setCursor(0);
            }
          } else if (stage === 'settings') {
            const f = fields[at];
            if (!f) return;
            if (f.choices) {
              const i = f.choices.indexOf(wizard.draft[f.key]);
              actions.setField(f.key, f.choices[(i + 1) % f.choices.length]!);
            } else setEditing(f.key);
          }
          return;
        case 'redetect': return stage === 'detect' ? actions.detect() : undefined;
        case 'detectAgain':
          if (stage === 'settings') {
            actions.wizardBack();
            setCursor(0);
          }
          return;
        case 'save': return stage === 'settings' ? actions.saveSettings() : undefined;
        case 'start': return stage === 'run' && run.phase !== 'running' ? actions.runBackup() : undefined;
        case 'cancel': return run.phase === 'running' ? actions.cancelRun() : undefined;
        case 'settings':
          if (stage === 'run' && run.phase !== 'running') actions.wizardBack();
          return;
        case 'help': return onHelp();
        case 'back': return onBack();
      }
    },
  );

  const title = stage === 'detect' ? '1 detect PostgreSQL' : stage === 'settings' ? '2 settings' : '3 run';
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{`Backup wizard · ${title}`}</Text>
      {stage === 'detect' ? <Detect wizard={wizard} at={at} width={width} color={color} /> : null}
      {stage === 'settings' ? (
        <Settings wizard={wizard} at={at} width={width} height={height} color={color} editing={editing} onEdited={(k, value) => {
          if (value !== undefined) actions.setField(k, value);
          setEditing(undefined);
        }} />
      ) : null}
      {stage === 'run' ? <Run wizard={wizard} run={run} color={color} /> : null}
      {wizard.message ? <Text color={color ? 'yellow' : undefined} wrap="truncate-end">{wizard.message}</Text> : null}
      {editing ? <Text dimColor>enter keep · esc drop the change</Text> : <KeyHints bindings={hintsFor(stage, run)} width={width} />}
    </Box>
  );
}

function hintsFor(stage: string, run: RunProgress) {
  const wanted: Record<string, string[]> = {
    detect: ['select', 'redetect', 'back'],
    settings: ['select', 'save', 'detectAgain', 'back'],
    run: run.phase === 'running' ? ['cancel', 'back'] : ['start', 'settings', 'back'],
  };
  const names = wanted[stage] ?? [];
  return backupWizardKeys.filter((b) => names.includes(b.action)).map((b) => ({ ...b, primary: true }));
}

function Detect({ wizard, at, width, color }: { wizard: WizardSnapshot; at: number; width: number; color: boolean }) {
  const d = wizard.detection;
  if (d.status === 'loading' || d.status === 'idle') return <Text dimColor>looking for PostgreSQL containers…</Text>;
  if (d.status === 'error') return <Text color={color ? 'red' : undefined}>{`cannot list containers: ${d.error ?? ''}`}</Text>;
  if (d.candidates.length === 0) return <Text>No PostgreSQL container found (by image or command). Press r to look again.</Text>;
  return (
    <Box flexDirection="column">
      <Text dimColor>Containers whose image or command is PostgreSQL:</Text>
      {d.candidates.map((c, i) => (
        <Text key={c.id} inverse={i === at} wrap="truncate-end">
          {fitCell(`${fitCell(c.container, 24)} ${fitCell(c.service ? `${c.project ?? '-'}/${c.service}` : '(no compose)', 20)} ${fitCell(c.image, 24)} ${c.running ? 'running' : 'stopped'}${c.user ? ` · user ${c.user}` : ''}`, width)}
        </Text>
      ))}
    </Box>
  );
}

function Settings(props: { wizard: WizardSnapshot; at: number; width: number; height: number; color: boolean; editing: FieldKey | undefined; onEdited: (k: FieldKey, value: string | undefined) => void }) {
  const { wizard, at, width, color, editing, onEdited } = props;
  const fields = visibleFields(wizard.draft);
  const labelW = Math.max(...fields.map((f) => f.label.length));
  const current = fields[at];
  return (
    <Box flexDirection="column">
      {fields.map((f, i) => {
        const error = wizard.errors[f.key];
        if (editing === f.key) {
          return (
            <TextInput
              key={f.key}
              prefix={`${f.label.padEnd(labelW)}  `}
              initial={wizard.draft[f.key]}
              onSubmit={(v) => onEdited(f.key, v)}
              onCancel={() => onEdited(f.key, undefined)}
            />
          );
        }
        const value = wizard.draft[f.key] || '—';
        return (
          <Text key={f.key} inverse={i === at} wrap="truncate-end">
            {`${f.label.padEnd(labelW)}  `}
            {f.choices ? `‹${value}›` : value}
            {error ? <Text color={color ? 'red' : undefined}>{`  ✗ ${error}`}</Text> : null}
          </Text>
        );
      })}
      {current ? <Text dimColor wrap="truncate-end">{fitCell(current.help, width)}</Text> : null}
      {wizard.saved ? <Text color={color ? 'green' : undefined}>saved to the profile</Text> : null}
    </Box>
  );
}

const STATE_GLYPH = { running: '…', done: '✓', failed: '✗' } as const;

function Run({ wizard, run, color }: { wizard: WizardSnapshot; run: RunProgress; color: boolean }) {
  const d = wizard.draft;
  const step = currentStep(run);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">{`databases ${d.databases || '—'} in ${d.service}${d.project ? ` (${d.project})` : ''} → ${d.directory}`}</Text>
      <Text wrap="truncate-end">{`encryption ${d.encryption}${d.rsyncDestination ? ` · off-site ${d.rsyncDestination}` : ''} · keep ${d.keepDaily}/${d.keepWeekly}/${d.keepMonthly} (daily/weekly/monthly)`}</Text>
      {run.phase === 'idle' ? <Text>Press x to back up now.</Text> : null}
      {run.phase !== 'idle' ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>
            {`step ${step ? `${step.id}${step.subject ? ` ${step.subject}` : ''}` : 'starting'} · ${formatTransfer(run.bytes, run.rateBps)} · elapsed ${formatClock(elapsedMs(run))}`}
          </Text>
          {run.steps.map((s, i) => (
            <Text key={i} color={color ? (s.state === 'failed' ? 'red' : s.state === 'done' ? 'green' : 'yellow') : undefined} wrap="truncate-end">
              {`${STATE_GLYPH[s.state]} ${s.id}${s.subject ? ` ${s.subject}` : ''}: ${s.title}${s.endedAt !== undefined ? ` (${formatClock(s.endedAt - s.startedAt)})` : ''}`}
            </Text>
          ))}
        </Box>
      ) : null}
      {run.outcome ? <Summary run={run} color={color} /> : null}
    </Box>
  );
}

function Summary({ run, color }: { run: RunProgress; color: boolean }) {
  const o = run.outcome!;
  const good = o.status === 'ok';
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={color ? (good ? 'green' : o.status === 'degraded' ? 'yellow' : 'red') : undefined} wrap="wrap">
        {good ? `backup done in ${formatClock(o.durationMs)}` : o.status === 'degraded' ? `backed up, but: ${o.message ?? ''}` : o.status === 'cancelled' ? `cancelled: ${o.message ?? ''}` : `backup FAILED: ${o.message ?? ''}`}
      </Text>
      {o.backups.map((b) => (
        <Text key={b.id} wrap="truncate-end">{`${b.id}  ${formatBytes(b.bytes)}  verified  sha256 ${b.sha256.slice(0, 16)}…`}</Text>
      ))}
      {o.offsite.map((x) => (
        <Text key={x.id} wrap="truncate-end">{`off-site copy of ${x.id}: ok (${x.compared})`}</Text>
      ))}
      {o.pruned.length ? <Text wrap="truncate-end">{`pruned: ${o.pruned.join(', ')}`}</Text> : null}
      {o.warnings.map((w, i) => (
        <Text key={i} color={color ? 'yellow' : undefined} wrap="truncate-end">{`warning: ${w}`}</Text>
      ))}
    </Box>
  );
}
