import React from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from '../components/use-keypress.js';
import Spinner from 'ink-spinner';
import { HostKeyDialog } from '../components/HostKeyDialog.js';
import { KeyHints } from '../components/KeyHints.js';
import { SecretInput } from '../components/SecretInput.js';
import { findBinding } from '../components/key-bindings.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import type { PromptSnapshot } from '../src/model/prompt-store.js';
import type { OfferState, ProvisionActions, ProvisionSnapshot } from '../src/provision/provision-store.js';
import { stepLine } from '../src/provision/provision-store.js';
import type { StepStatus } from '../src/provision/run.js';
import { SUDO_MODES } from '../src/provision/sudoers.js';
import { provisionKeys, provisionKeysFor } from './provision-keys.js';

export interface ProvisionProps {
  wizard: ExternalStore<ProvisionSnapshot>;
  prompts: ExternalStore<PromptSnapshot> & { answer(id: number, value: boolean | Buffer | null): void };
  actions: ProvisionActions;
  width: number;
  color: boolean;
  onQuit: () => void;
}

const GLYPH: Partial<Record<StepStatus, string>> = { applied: '✓', 'already-done': '✓', proven: '✓', planned: '→', asking: '?', failed: '✗', refused: '✗', skipped: '·', declined: '·', 'not-reached': ' ', pending: ' ' };
const COLOUR: Partial<Record<StepStatus, string>> = { applied: 'green', 'already-done': 'green', proven: 'green', planned: 'cyan', asking: 'yellow', failed: 'red', refused: 'red' };

/** The first-time setup wizard: choose, then each step's check and exact plan, y to apply. */
export function Provision({ wizard, prompts, actions, width, color, onQuit }: ProvisionProps) {
  const s = useStore(wizard);
  const p = useStore(prompts);
  const phase = s.asking !== undefined ? 'asking' : s.phase;
  useKeypress(
    (input, key) => {
      const b = findBinding(provisionKeys, input, key);
      if (!b || !provisionKeysFor(phase).includes(b)) return;
      switch (b.action) {
        case 'sudo-1':
        case 'sudo-2':
        case 'sudo-3':
          return actions.chooseSudo(SUDO_MODES[Number(b.action.slice(-1)) - 1]!.mode);
        case 'http3':
          return actions.toggleHttp3();
        case 'start':
          return actions.start();
        case 'yes':
          return actions.answer('yes');
        case 'skip':
          return actions.answer('skip');
        case 'stop':
          return actions.answer('stop');
        case 'unlock':
          return actions.runUnlockCheck();
        case 'backup':
          return actions.scheduleBackup();
        case 'quit':
          return onQuit();
      }
    },
  );
  const c = (name: string | undefined) => (color ? name : undefined);

  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">{`${s.planOnly ? 'Provision plan' : 'Provision'} · ${s.label} · deploy user ${s.deployUser} · key ${s.identityFile}`}</Text>
      {s.phase === 'choose' ? (
        <Box flexDirection="column" marginTop={1}>
          <Text>{`Sudo rights for ${s.deployUser}:`}</Text>
          {SUDO_MODES.map((m, k) => (
            <Text key={m.mode} wrap="truncate-end" color={c(s.sudo === m.mode ? 'cyan' : undefined)}>
              {`${s.sudo === m.mode ? '●' : '○'} ${k + 1} ${m.label}: ${m.detail}`}
            </Text>
          ))}
          <Text>{`${s.http3 ? '●' : '○'} h also open 443/udp (HTTP/3)`}</Text>
          {s.app ? <Text>{`App directory and .env for ${s.app}`}</Text> : <Text dimColor>No app given (--app NAME --project DIR): the app step is skipped.</Text>}
          <Text dimColor>Nothing changes until you press y on a step whose exact commands are on screen.</Text>
        </Box>
      ) : null}
      {s.phase === 'connecting' ? (
        <Text>
          <Spinner /> {`connecting to ${s.label}…`}
        </Text>
      ) : null}
      {p.pending?.kind === 'host-key' ? <HostKeyDialog question={p.pending.question} color={color} onAnswer={(ok) => prompts.answer(p.pending!.id, ok)} /> : null}
      {p.pending?.kind === 'secret' ? <SecretInput layer="dialog" prompt={p.pending.question.prompt} onSubmit={(b) => prompts.answer(p.pending!.id, b)} onCancel={() => prompts.answer(p.pending!.id, null)} /> : null}
      {s.reports.length ? (
        <Box flexDirection="column" marginTop={1}>
          {s.reports.map((r, i) => (
            <Box key={r.id} flexDirection="column">
              <Text wrap="truncate-end">
                <Text color={c(COLOUR[r.status])}>{GLYPH[r.status] ?? '·'}</Text>
                {` ${i + 1}. ${stepLine(r)}`}
                {r.status === 'checking' || r.status === 'applying' ? ' …' : ''}
              </Text>
              {i === s.asking || r.status === 'failed' || r.status === 'refused' || (s.planOnly && r.status === 'planned')
                ? (s.details[i] ?? []).map((l, k) => (
                    <Text key={k} wrap="truncate-end" color={c(l.startsWith('note:') ? 'yellow' : undefined)}>
                      {`    ${l}`}
                    </Text>
                  ))
                : null}
            </Box>
          ))}
        </Box>
      ) : null}
      {s.question ? (
        <SecretInput prompt={s.question.prompt} note={s.question.secret ? 'hidden; it goes to the server on stdin only' : undefined} onSubmit={(b) => actions.submitValue(b)} onCancel={() => actions.submitValue(null)} />
      ) : null}
      {s.phase === 'running' && s.log.length ? (
        <Box flexDirection="column" marginTop={1}>
          {s.log.slice(-4).map((l, k) => (
            <Text key={k} dimColor wrap="truncate-end">
              {l}
            </Text>
          ))}
        </Box>
      ) : null}
      {s.error ? (
        <Box flexDirection="column" marginTop={1}>
          <Text color={c('red')} wrap="wrap">{s.error.message}</Text>
          {s.error.hint ? <Text wrap="wrap">{s.error.hint}</Text> : null}
        </Box>
      ) : null}
      {s.outcome ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold color={c(s.outcome.ok ? 'green' : 'red')} wrap="wrap">
            {s.outcome.summary}
          </Text>
          {s.outcome.ok && !s.planOnly ? <Offers unlock={s.offers.unlock} backup={s.offers.backup} /> : null}
        </Box>
      ) : null}
      <KeyHints bindings={provisionKeysFor(phase)} width={width} />
    </Box>
  );
}

function Offers({ unlock, backup }: { unlock: OfferState; backup: OfferState }) {
  const line = (key: string, what: string, o: OfferState) => {
    if (o.status === 'unavailable') return [`${what}: ${o.why}`];
    if (o.status === 'ready') return [`${key} ${what} now`];
    if (o.status === 'running') return [`${what}: running…`];
    return [`${what}:`, ...o.lines.map((l) => `  ${l}`)];
  };
  return (
    <Box flexDirection="column">
      {[...line('u', 'remote-unlock check', unlock), ...line('b', 'backup schedule', backup)].map((l, k) => (
        <Text key={k} wrap="truncate-end">
          {l}
        </Text>
      ))}
    </Box>
  );
}
