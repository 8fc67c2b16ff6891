import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App, type AppSession, type AppSessionSnapshot } from '../../screens/App.js';
import { BackupWizard } from '../../screens/BackupWizard.js';
import type { GridSnapshot } from '../../src/model/grid-store.js';
import type { ServiceRow } from '../../src/model/grouping.js';
import type { ServiceAction } from '../../src/docker/service-actions.js';
import { ConnectionStore } from '../../src/transport/connection-store.js';
import { PromptStore } from '../../src/model/prompt-store.js';
import { LogStore } from '../../src/logs/log-store.js';
import { draftFrom } from '../../src/backup/settings-form.js';
import { IDLE } from '../../src/backup/run-progress.js';
import type { WizardSnapshot } from '../../src/backup/wizard-store.js';
import { FakeContainer, FakeLogApi, ts } from '../unit/fixtures/fake-log-api.js';
import { paste, sendInputAndWaitForChange, waitForChange } from '../support/ink-input.js';
import { mount, valueStore, KEY } from './harness.js';
import { gridSnapshot, NOW } from './grid-fixture.js';

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

function app() {
  const connection = new ConnectionStore('deploy@web-1');
  connection.connected('streamlocal');
  const grid = valueStore<GridSnapshot>(gridSnapshot());
  const store = valueStore<AppSessionSnapshot>({ phase: 'ready', label: 'deploy@web-1', connection, grid });
  const acted: string[] = [];
  let quit = 0;
  const session: AppSession = {
    ...store,
    prompts: new PromptStore(),
    readonly: false,
    retry: () => undefined,
    act: async (action: ServiceAction, row: ServiceRow) => {
      acted.push(`${action} ${row.service}`);
      return { ok: true, message: 'done' };
    },
    recreateCommand: () => 'docker compose up',
  };
  const m = mount(<App session={session} color={false} now={() => NOW} onQuit={() => void quit++} />, { plain: true });
  cleanup.push(() => m.unmount());
  return { m, session, acted, quits: () => quit };
}

/** The details screen of the row the selection lands on after `keys`, each string one write. */
async function detailsAfter(...writes: string[]) {
  const { m } = app();
  await m.ready();
  for (const w of writes) await sendInputAndWaitForChange(m, w);
  await sendInputAndWaitForChange(m, KEY.enter);
  return m.waitFor((f) => f.includes('Containers'));
}

describe('keys that arrive together', () => {
  it('jjjjj in one write moves five rows', async () => {
    const five = await detailsAfter('j', 'j', 'j', 'j', 'j');
    const four = await detailsAfter('j', 'j', 'j', 'j');
    expect(five).not.toBe(four);
    expect(await detailsAfter('jjjjj')).toBe(five);
  });

  it('an arrow key split across two writes is one key', async () => {
    const second = await detailsAfter(KEY.down);
    const { m } = app();
    await m.ready();
    await sendInputAndWaitForChange(m, '\u001b[', 'B');
    await sendInputAndWaitForChange(m, KEY.enter);
    expect(await m.waitFor((f) => f.includes('Containers'))).toBe(second);
  });
});

/** The App showing the log view of one service, with a LogStore on fake containers. */
async function logsOpen() {
  const a = app();
  const api = new FakeLogApi();
  const c = api.add(new FakeContainer('api-1'));
  c.append({ ts: ts(1), stream: 'stdout', text: 'first line' }, { ts: ts(2), stream: 'stdout', text: 'second line' });
  const store = new LogStore({ api, resolve: async () => ({ ok: true, targets: [{ id: 'api-1', name: 'shop-api-1', project: 'shop', service: 'api', replica: 1, tag: 'api-1' }] }), connection: null, holdMs: 5 });
  const disposed = vi.fn();
  a.session.openLogs = async () => ({ store, actions: store, dispose: disposed });
  cleanup.push(() => store.dispose());
  await a.m.ready();
  await a.m.press('l');
  await a.m.waitFor((f) => f.includes('second line'));
  return { ...a, disposed };
}

const QUESTION = { host: '127.0.0.1', port: 22022, keyType: 'ssh-ed25519', fingerprintSHA256: 'SHA256:abc', knownHostsFile: '/tmp/kh' };

describe('one dispatcher: a dialog takes every key', () => {
  it('a host-key dialog over the Logs screen receives every key while the log view receives none', async () => {
    const { m, session, disposed } = await logsOpen();
    const logs = m.frame();
    const answer = (session.prompts as PromptStore).confirmUnknownHostKey(QUESTION);
    await m.waitFor((f) => f.includes("can't be established"));
    const withDialog = m.frame();
    // Logs would search, pause, filter, switch to JSON, save and leave on these.
    for (const k of ['/', ' ', 'f', 'J', 'w', 'e', 'q', 'G', 'x']) await m.press(k);
    expect(m.frame()).toBe(withDialog);
    await sendInputAndWaitForChange(m, 'y');
    await expect(answer).resolves.toBe(true);
    expect(disposed).not.toHaveBeenCalled();
    expect(m.frame()).toBe(logs);
  });

  it('a lone ESC closes the dialog, and only the dialog', async () => {
    const { m, session, disposed } = await logsOpen();
    const logs = m.frame();
    const answer = (session.prompts as PromptStore).confirmUnknownHostKey(QUESTION);
    await m.waitFor((f) => f.includes("can't be established"));
    await sendInputAndWaitForChange(m, KEY.esc);
    await expect(answer).resolves.toBe(false);
    expect(m.frame()).toBe(logs);
    expect(disposed).not.toHaveBeenCalled();
  });
});

const long = (head: string) => head + '|' + 'z'.repeat(199 - head.length);

describe('bracketed paste', () => {
  it('a paste of 200 characters arrives whole in the filter, even in two reads', async () => {
    const { m } = app();
    await m.ready();
    await sendInputAndWaitForChange(m, '/');
    const text = long('redis');
    expect(text).toHaveLength(200);
    const whole = paste(text);
    const before = m.frame();
    m.stdin.write(whole.slice(0, 120));
    await new Promise((res) => setTimeout(res, 20));
    // Nothing of it yet: a paste is one piece, not what one read happened to hold.
    expect(m.frame()).toBe(before);
    m.stdin.write(whole.slice(120));
    await waitForChange(m, before);
    await sendInputAndWaitForChange(m, KEY.enter);
    await m.waitFor((f) => f.includes(`filter: /${text.slice(0, 20)}`));
    expect(m.frame()).toMatch(/^\s+redis\s/m);
    expect(m.frame()).not.toMatch(/^\s+api\s/m);
  });

  it('a paste of 200 characters arrives whole in a wizard field', async () => {
    const setField = vi.fn();
    const actions = { detect: vi.fn(), choose: vi.fn(), setField, saveSettings: vi.fn(), wizardBack: vi.fn(), wizardToRun: vi.fn(), runBackup: vi.fn(), cancelRun: vi.fn() };
    const wizard: WizardSnapshot = { stage: 'settings', detection: { status: 'ready', candidates: [], error: undefined }, draft: draftFrom(undefined), errors: {}, saved: false, canSave: true, message: undefined };
    const m = mount(<BackupWizard wizard={wizard} run={IDLE} width={140} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    cleanup.push(() => m.unmount());
    await m.ready();
    await sendInputAndWaitForChange(m, KEY.enter);
    await m.waitFor((f) => f.includes('enter keep'));
    const text = long('j j');
    const whole = paste(text);
    const before = m.frame();
    m.stdin.write(whole.slice(0, 100));
    await new Promise((res) => setTimeout(res, 20));
    expect(m.frame()).toBe(before);
    m.stdin.write(whole.slice(100));
    await waitForChange(m, before);
    await m.press(KEY.enter);
    expect(setField).toHaveBeenCalledTimes(1);
    expect(setField.mock.calls[0]![1]).toMatch(new RegExp(`${text.replace(/\|/g, '\\|')}$`));
  });

  it('a paste on the grid runs no action', async () => {
    const { m, acted, quits } = app();
    await m.ready();
    const grid = m.frame();
    // Each would act if it were typed: quit, restart, stop, move. A key after it shows it was read.
    await sendInputAndWaitForChange(m, paste('q') + paste('r') + paste('jjjjjs') + '?');
    expect(m.frame()).toContain('show every key binding');
    await sendInputAndWaitForChange(m, KEY.esc);
    expect(m.frame()).toBe(grid);
    expect(quits()).toBe(0);
    expect(acted).toEqual([]);
  });
});
