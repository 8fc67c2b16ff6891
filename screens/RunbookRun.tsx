import React, { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import { useKeypress } from '../components/use-keypress.js';
import { KeyHints } from '../components/KeyHints.js';
import { SecretInput } from '../components/SecretInput.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { findBinding } from '../components/key-bindings.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import { formatDuration } from '../src/render/duration.js';
import { truncate } from '../src/render/columns.js';
import { formatCount } from '../src/render/count.js';
import type { RunActions, RunPrompt, RunSnapshot, RunStepView, StepState } from '../src/runbook/run-store.js';
import { manualStepKeys, productionConfirmKeys, runbookRunKeys } from './runbook-run-keys.js';

export interface RunbookRunProps {
  store: ExternalStore<RunSnapshot>;
  actions: RunActions;
  width: number;
  height: number;
  color: boolean;
  onBack: () => void;
  onHelp: () => void;
}

const GLYPH: Record<Exclude<StepState, 'running'>, string> = { pending: '·', ok: '✓', failed: '✗', skipped: '–', stopped: '■', timeout: '✗' };
const COLOUR: Partial<Record<StepState, string>> = { ok: 'green', failed: 'red', timeout: 'red', stopped: 'yellow', running: 'cyan' };
/** Lines of a command a confirmation shows before it says how many more there are. */
const MAX_COMMAND_LINES = 12;

/**
 * A run: its steps with their states on the left, the followed (or selected) step's output on the
 * right, the run's status under them, and the question it waits on as a dialog.
 */
export function RunbookRun({ store, actions, width, height, color, onBack, onHelp }: RunbookRunProps) {
  const snap = useStore(store);
  const [picked, setPicked] = useState<string | undefined>();
  const [scroll, setScroll] = useState(0);
  const [askStopWanted, setAskStop] = useState(false);
  const running = snap.status === 'running';
  // A run that ended while "stop the run?" was asked needs no answer any more: the question is
  // drawn only while the run runs (in the same frame as the end, not one effect later).
  const askStop = askStopWanted && running;
  useEffect(() => {
    if (!running) setAskStop(false);
  }, [running]);

  const shownId = picked ?? snap.current ?? snap.steps[0]?.id;
  const index = Math.max(0, snap.steps.findIndex((s) => s.id === shownId));
  const step = snap.steps[index];

  const prompt = snap.prompt;
  const dialogRows = askStop ? 6 : prompt ? promptRows(prompt, height) : 0;
  const chrome = 4 + (Object.keys(snap.params).length ? 1 : 0) + (snap.resumeCommand ? 1 : 0) + (snap.transcriptError ? 1 : 0) + (snap.error ? 1 : 0);
  const bodyHeight = Math.max(3, height - chrome - dialogRows);
  const leftWidth = Math.max(16, Math.min(40, Math.floor(width * 0.3)));
  const rightWidth = Math.max(20, width - leftWidth - 2);
  const outputRows = Math.max(1, bodyHeight - 3);

  // From the latest pick, not this render's: several keys can arrive in one read.
  const move = (delta: number) => {
    setPicked((prev) => {
      const from = Math.max(0, snap.steps.findIndex((s) => s.id === (prev ?? snap.current ?? snap.steps[0]?.id)));
      return snap.steps[Math.min(snap.steps.length - 1, Math.max(0, from + delta))]?.id ?? prev;
    });
    setScroll(0);
  };
  const maxScroll = step ? Math.max(0, step.lines.length - outputRows) : 0;

  useKeypress((input, key) => {
    const b = findBinding(runbookRunKeys, input, key);
    if (!b) return;
    switch (b.action) {
      case 'down': return move(1);
      case 'up': return move(-1);
      case 'follow':
        setPicked(undefined);
        return setScroll(0);
      case 'pageUp': return setScroll((s) => Math.min(maxScroll, s + outputRows));
      case 'pageDown': return setScroll((s) => Math.max(0, s - outputRows));
      case 'bottom': return setScroll(0);
      case 'stop': return running && !snap.stopping ? setAskStop(true) : undefined;
      case 'help': return onHelp();
      case 'back': return running ? (snap.stopping ? undefined : setAskStop(true)) : onBack();
    }
  });

  const title = `${snap.plan ? 'Plan of' : 'Run of'} ${snap.runbook} · ${snap.title} · on ${snap.server}`;
  const params = Object.entries(snap.params)
    .map(([k, v]) => `${k}=${v}`)
    .join('  ');

  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{title}</Text>
      {params ? <Text dimColor wrap="truncate-end">{params}</Text> : null}
      <Box flexDirection="row" height={bodyHeight}>
        <Box flexDirection="column" width={leftWidth} marginRight={2}>
          <StepList steps={snap.steps} selected={step?.id} followed={picked === undefined} height={bodyHeight} width={leftWidth} color={color} />
        </Box>
        <Box flexDirection="column" width={rightWidth}>
          {step ? <StepOutput step={step} waiting={prompt?.step === step.id} rows={outputRows} scroll={Math.min(scroll, maxScroll)} width={rightWidth} color={color} /> : null}
        </Box>
      </Box>
      <StatusLine snap={snap} color={color} />
      {snap.transcriptError ? <Text color={color ? 'yellow' : undefined} wrap="truncate-end">{`! the transcript could not be written: ${snap.transcriptError}`}</Text> : null}
      {snap.error ? <Text color={color ? 'red' : undefined} wrap="truncate-end">{`! ${snap.error}`}</Text> : null}
      {askStop ? (
        <ConfirmDialog
          title="Stop the run?"
          detail="The current step is interrupted; the run can be resumed."
          color={color}
          width={width}
          onAnswer={(yes) => {
            setAskStop(false);
            if (yes) actions.stop();
          }}
        />
      ) : prompt ? (
        <PromptDialog key={prompt.id} prompt={prompt} actions={actions} width={width} height={height} color={color} />
      ) : null}
      <KeyHints bindings={running && !snap.stopping ? runbookRunKeys : runbookRunKeys.filter((k) => k.action !== 'stop' && k.action !== 'follow')} width={width} />
    </Box>
  );
}

function StepList({ steps, selected, followed, height, width, color }: { steps: readonly RunStepView[]; selected: string | undefined; followed: boolean; height: number; width: number; color: boolean }) {
  const at = Math.max(0, steps.findIndex((s) => s.id === selected));
  const start = Math.max(0, Math.min(at - Math.floor(height / 2), steps.length - height));
  return (
    <>
      {steps.slice(start, start + height).map((s) => {
        const isSelected = s.id === selected;
        const label = truncate(`${s.title === s.id ? s.id : `${s.id}  ${s.title}`}`, width - 2);
        return (
          <Text key={s.id} wrap="truncate-end" inverse={isSelected && !followed} bold={isSelected}>
            <Text color={color ? COLOUR[s.state] : undefined}>{s.state === 'running' ? <Spinner type="dots" /> : GLYPH[s.state]}</Text>
            <Text dimColor={s.state === 'pending' || s.state === 'skipped'}>{` ${label}`}</Text>
          </Text>
        );
      })}
    </>
  );
}

function stateText(s: RunStepView, waiting: boolean): string {
  const took = s.ms !== undefined ? ` · ${formatDuration(s.ms)}` : '';
  const code = s.code !== null && s.code !== undefined && (s.state === 'failed' || s.state === 'timeout') ? ` (exit ${s.code})` : '';
  switch (s.state) {
    case 'pending': return '· pending';
    case 'running': return waiting ? 'waiting for you…' : 'running…';
    default: return `${GLYPH[s.state]} ${s.state}${code}${s.reason ? `: ${s.reason}` : ''}${took}`;
  }
}

function StepOutput({ step, waiting, rows, scroll, width, color }: { step: RunStepView; waiting: boolean; rows: number; scroll: number; width: number; color: boolean }) {
  const command = step.command?.split('\n') ?? [];
  const commandLine = command.length ? `$ ${command[0]}${command.length > 1 ? `  … (${command.length} lines)` : ''}` : '';
  const end = step.lines.length - scroll;
  const dropped = step.dropped > 0 ? 1 : 0;
  const visible = step.lines.slice(Math.max(0, end - (rows - dropped)), end);
  return (
    <>
      <Text bold wrap="truncate-end">{`▸ ${step.id} [${step.kind}] ${step.title}`}</Text>
      <Text dimColor wrap="truncate-end">{commandLine || ' '}</Text>
      <Text color={color ? COLOUR[step.state] : undefined} wrap="truncate-end">
        {stateText(step, waiting)}
        {scroll > 0 ? <Text dimColor>{`  (scrolled up ${formatCount(scroll)} lines; G for the newest)`}</Text> : null}
      </Text>
      {dropped ? <Text dimColor>{`… ${formatCount(step.dropped)} earlier lines dropped`}</Text> : null}
      {visible.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          <Text color={color && l.stream === 'stderr' ? 'red' : undefined} dimColor={l.stream === 'info'}>
            {l.stream === 'stderr' ? '!' : l.stream === 'info' ? '*' : ' '}
          </Text>
          <Text dimColor={l.stream === 'info'}>{` ${truncate(l.text, width - 2)}`}</Text>
        </Text>
      ))}
    </>
  );
}

function StatusLine({ snap, color }: { snap: RunSnapshot; color: boolean }) {
  if (snap.status === 'running') {
    const at = snap.steps.findIndex((s) => s.id === snap.current);
    const text = snap.stopping
      ? 'stopping… (the current step is being interrupted)'
      : snap.prompt
        ? `waiting for you: ${PROMPT_NAME[snap.prompt.kind]} ${snap.prompt.step}`
        : at >= 0
          ? `running step ${at + 1} of ${snap.steps.length}: ${snap.current}`
          : 'starting…';
    return <Text color={color ? 'cyan' : undefined} wrap="truncate-end">{text}</Text>;
  }
  const tone = snap.status === 'done' ? 'green' : snap.status === 'failed' ? 'red' : 'yellow';
  return (
    <>
      <Text wrap="truncate-end">
        <Text bold color={color ? tone : undefined}>{snap.status}</Text>
        {` · transcript: ${snap.transcript}`}
      </Text>
      {snap.resumeCommand ? <Text wrap="truncate-end">{`resume with: ${snap.resumeCommand}`}</Text> : null}
    </>
  );
}

const PROMPT_NAME: Record<RunPrompt['kind'], string> = { confirm: 'confirm', acknowledge: 'manual step', secret: 'passphrase for' };

function commandLines(command: string, height: number): string {
  const lines = command.split('\n');
  const max = Math.max(3, Math.min(MAX_COMMAND_LINES, height - 16));
  return lines.length <= max ? command : `${lines.slice(0, max).join('\n')}\n… ${lines.length - max} more lines (shown whole in the step's output and the transcript)`;
}

function promptRows(p: RunPrompt, height: number): number {
  const text = p.kind === 'confirm' ? commandLines(p.command, height) : p.text;
  return text.split('\n').length + (p.kind === 'confirm' && p.typeServerName ? 7 : 5);
}

function PromptDialog({ prompt, actions, width, height, color }: { prompt: RunPrompt; actions: RunActions; width: number; height: number; color: boolean }) {
  if (prompt.kind === 'acknowledge') return <ManualDialog prompt={prompt} actions={actions} width={width} color={color} />;
  if (prompt.kind === 'secret') {
    // Read with echo off; only its length is ever drawn (SecretInput), never a character.
    return (
      <Box flexDirection="column" borderStyle="round" paddingX={1} width={width}>
        <Text bold>{`Step ${prompt.step}: ${prompt.title}`}</Text>
        <SecretInput prompt={prompt.text} onSubmit={(secret) => actions.answerSecret(prompt.id, secret)} onCancel={() => actions.answerSecret(prompt.id, null)} />
      </Box>
    );
  }
  const command = commandLines(prompt.command, height);
  if (!prompt.typeServerName) {
    return (
      <ConfirmDialog
        title={`Run step ${prompt.step} (${prompt.title}) on ${prompt.server}?`}
        detail={command}
        color={color}
        width={width}
        onAnswer={(yes) => actions.confirm(prompt.id, { answer: yes ? 'yes' : 'no' })}
      />
    );
  }
  return (
    <ConfirmDialog
      title={`Run step ${prompt.step} (${prompt.title}) on ${prompt.server}?`}
      detail={command}
      color={color}
      width={width}
      typeName={prompt.server}
      typePrompt={`${prompt.server} is a production server. Type its name to run this step:`}
      typedKeys={productionConfirmKeys}
      onAnswer={(yes, typed) => actions.confirm(prompt.id, yes && typed !== undefined ? { answer: 'yes', typed } : { answer: 'no' })}
    />
  );
}

function ManualDialog({ prompt, actions, width, color }: { prompt: Extract<RunPrompt, { kind: 'acknowledge' }>; actions: RunActions; width: number; color: boolean }) {
  useKeypress(
    (input, key) => {
      const b = findBinding(manualStepKeys, input, key);
      if (b) actions.acknowledge(prompt.id, b.action);
    },
    { layer: 'dialog' },
  );
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color ? 'cyan' : undefined} paddingX={1}>
      <Text bold>{`Manual step ${prompt.step}: ${prompt.title}`}</Text>
      <Text>{prompt.text}</Text>
      <KeyHints bindings={manualStepKeys} width={width - 4} />
    </Box>
  );
}
