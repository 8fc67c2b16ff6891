import React from 'react';
import { describe, expect, it } from 'vitest';
import { Provision } from '../../screens/Provision.js';
import type { ProvisionActions, ProvisionSnapshot } from '../../src/provision/provision-store.js';
import type { PromptSnapshot } from '../../src/model/prompt-store.js';
import type { StepReport } from '../../src/provision/run.js';
import { KEY, mount, valueStore } from './harness.js';

const base: ProvisionSnapshot = {
  phase: 'choose',
  label: 'root@web-1',
  planOnly: false,
  deployUser: 'deploy',
  identityFile: '/home/me/.ssh/id_ed25519',
  sudo: 'nopasswd',
  http3: false,
  app: 'shop',
  connectStep: undefined,
  reports: [],
  details: [],
  asking: undefined,
  question: undefined,
  log: [],
  outcome: undefined,
  error: undefined,
  offers: { unlock: { status: 'ready' }, backup: { status: 'unavailable', why: 'no backup settings in the profile' } },
};

function setup(snap: Partial<ProvisionSnapshot> = {}) {
  const calls: string[] = [];
  const values: string[] = [];
  const actions: ProvisionActions = {
    chooseSudo: (m) => calls.push(`sudo:${m}`),
    toggleHttp3: () => calls.push('http3'),
    start: () => calls.push('start'),
    answer: (a) => calls.push(`answer:${a}`),
    submitValue: (v) => {
      calls.push('value');
      values.push(v ? v.toString() : 'null');
    },
    runUnlockCheck: () => calls.push('unlock'),
    scheduleBackup: () => calls.push('backup'),
  };
  const wizard = valueStore<ProvisionSnapshot>({ ...base, ...snap });
  const prompts = Object.assign(valueStore<PromptSnapshot>({ pending: undefined }), { answer: () => undefined });
  let quit = 0;
  const m = mount(<Provision wizard={wizard} prompts={prompts} actions={actions} width={120} color={false} onQuit={() => quit++} />);
  return { m, calls, values, wizard, quitCount: () => quit };
}

const ssh: StepReport = {
  id: 'ssh',
  title: 'SSH hardening',
  lockout: true,
  status: 'asking',
  lines: [],
  check: { state: 'todo', found: ['PasswordAuthentication: yes (/etc/ssh/sshd_config.d/50-cloud-init.conf line 1)'], commands: [{ argv: ['sshd', '-t'] }], notes: [] },
};

describe('Provision screen', () => {
  it('chooses sudo rights and HTTP/3 before starting; plan keys do nothing yet', async () => {
    const { m, calls } = setup();
    await m.ready();
    expect(m.frame()).toContain('● 1 sudo without a password');
    expect(m.frame()).toContain('Nothing changes until you press y');
    await m.press('2', 'h', 'y', KEY.enter);
    expect(calls).toEqual(['sudo:password', 'http3', 'start']);
  });

  it("shows the waiting step's exact plan and answers with y, s or q", async () => {
    const { m, calls } = setup({ phase: 'running', reports: [{ ...ssh, id: 'os', title: 'Operating system', status: 'already-done' }, ssh], details: [[], ['found: PasswordAuthentication: yes (/etc/ssh/sshd_config.d/50-cloud-init.conf line 1)', 'will run:', '  $ sshd -t']], asking: 1 });
    await m.ready();
    const f = m.frame();
    expect(f).toContain('✓ 1. Operating system: already done');
    expect(f).toContain('? 2. SSH hardening: plan');
    expect(f).toContain('$ sshd -t');
    expect(f).toContain('50-cloud-init.conf line 1');
    await m.press('y', 's', 'q', '1');
    expect(calls).toEqual(['answer:yes', 'answer:skip', 'answer:stop']);
  });

  it('asks a .env value with the input hidden and hands the bytes over', async () => {
    const { m, calls, values } = setup({ phase: 'running', question: { prompt: 'JWT_SECRET', secret: true } });
    await m.ready();
    expect(m.frame()).toContain('JWT_SECRET');
    await m.press('t', 'o', 'p', 's', 'e', 'c');
    expect(m.frame()).not.toContain('topsec');
    await m.press(KEY.enter);
    expect(calls).toEqual(['value']);
    expect(values).toEqual(['topsec']);
  });

  it('after a successful run offers the unlock check and says why the backup schedule is not offered', async () => {
    const { m, calls, quitCount } = setup({ phase: 'finished', outcome: { ok: true, changed: false, summary: 'nothing changed: every step was already done' } });
    await m.ready();
    expect(m.frame()).toContain('nothing changed: every step was already done');
    expect(m.frame()).toContain('u remote-unlock check now');
    expect(m.frame()).toContain('backup schedule: no backup settings in the profile');
    await m.press('u', KEY.esc);
    await m.waitFor(() => quitCount() === 1);
    expect(calls).toEqual(['unlock']);
  });
});
