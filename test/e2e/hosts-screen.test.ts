/**
 * The Hosts screen against the lab: a hosts store on a temp profile file, with one profile that
 * reaches the lab's sshd through its ssh_config alias and one that points at a closed loopback
 * port. `t` runs doctor's real checks (opsdeck's own SSH transport) with the TUI's prompter.
 * Then profiles marked production and read-only, opened as real sessions on the lab: what the
 * grid asks and refuses (nothing is restarted: the lab is shared by every e2e file).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import React from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { Hosts } from '../../screens/Hosts.js';
import { HostsStore, type HostTest } from '../../src/model/hosts-store.js';
import { App } from '../../screens/App.js';
import { ProfileStore } from '../../src/config/profile-store.js';
import type { ProfileBody } from '../../src/config/profile-schema.js';
import { resolveTarget } from '../../src/transport/target.js';
import { SessionStore } from '../../src/session/session-store.js';
import { PromptStore } from '../../src/model/prompt-store.js';
import { KEY, mount } from '../tui/harness.js';
import { tmpDir } from './transport-helpers.js';
import { composeInstalled } from '../support/compose.js';

let lab: LabInfo;
let dir: string;
let file: string;
let closedPort: number;
let env: NodeJS.ProcessEnv;

/** A loopback port nobody listens on: the kernel hands us a free one, we close it again. */
async function freeLoopbackPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function finished(h: HostsStore, name: string, timeoutMs = 30_000): Promise<HostTest> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`test of ${name} did not finish`));
    }, timeoutMs);
    const check = () => {
      const t = h.getSnapshot().tests.get(name);
      if (t && t.status !== 'running') {
        clearTimeout(timer);
        off();
        resolve(t);
      }
    };
    const off = h.subscribe(check);
    check();
  });
}

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('hosts-screen');
  file = path.join(dir, 'config.json');
  closedPort = await freeLoopbackPort();
  // HOME is ours: no ~/.ssh of the machine, no agent; the lab's ssh_config comes in as --ssh-config would.
  env = { HOME: dir, PATH: process.env.PATH ?? '/usr/bin:/bin' };
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function hostsStore(prompter = new PromptStore()) {
  return { prompter, store: new HostsStore({ configPath: file, env, flags: { 'ssh-config': lab.sshd.sshConfigPath }, prompter }) };
}

describe('Hosts screen on the lab', () => {
  it('adds the lab by its ssh_config alias and a closed port; t passes every step for the first and fails TCP with a hint for the second', async () => {
    const { store, prompter } = hostsStore();
    expect(store.actions.add({ name: 'lab', destination: lab.sshd.hostAlias, socket: lab.docker.socketPath })).toEqual({ ok: true, name: 'lab' });
    expect(store.actions.add({ name: 'closed', destination: `deploy@127.0.0.1:${closedPort}` })).toEqual({ ok: true, name: 'closed' });
    const saved = fs.readFileSync(file);

    const app = mount(React.createElement(Hosts, { hosts: store, actions: store.actions, width: 100, height: 40, color: false, onPick: () => {}, onBack: () => {}, onHelp: () => {} }));
    await app.ready();
    // Sorted by name: closed first, then lab.
    await app.press('t', 'j', 't');

    const lab1 = await finished(store, 'lab');
    if (lab1.status !== 'done') throw new Error(`lab: ${JSON.stringify(lab1)}`);
    expect(lab1.report.ok).toBe(true);
    expect(lab1.report.target).toMatchObject({ kind: 'ssh', label: 'lab', destination: `${lab.sshd.user}@${lab.sshd.host}:${lab.sshd.port}`, socketPath: lab.docker.socketPath });
    expect(lab1.report.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'dns:pass',
      'tcp:pass',
      'handshake:pass',
      'host-key:pass',
      'auth:pass',
      'docker-socket:pass',
      'engine:pass',
      // The lab's "server" is this machine: compose passes exactly when a compose CLI is installed here.
      `compose:${composeInstalled() ? 'pass' : 'warn'}`,
      'path:pass',
    ]);
    expect(lab1.report.steps.find((s) => s.step === 'engine')!.detail).toContain(lab.docker.engineVersion);

    const frameLab = await app.waitFor((f) => f.includes('Test of lab'));
    expect(frameLab).toMatch(/✓ host key/);
    expect(frameLab).toMatch(/✓ Docker Engine +Docker Engine 20\.10/);
    expect(frameLab).toMatch(/✓ Docker API path +streamlocal/);
    expect(frameLab).toMatch(/All checks passed/);
    expect(frameLab).not.toContain('✗');

    const closed = await finished(store, 'closed');
    if (closed.status !== 'done') throw new Error(`closed: ${JSON.stringify(closed)}`);
    expect(closed.report.ok).toBe(false);
    const tcp = closed.report.steps.find((s) => s.step === 'tcp')!;
    expect(tcp).toMatchObject({ status: 'fail' });
    expect(tcp.detail).toMatch(new RegExp(`deploy@127\\.0\\.0\\.1:${closedPort}: connection refused`));
    expect(tcp.hint).toMatch(/Is sshd running/);

    await app.press('k');
    const frameClosed = await app.waitFor((f) => f.includes('Test of closed'));
    expect(frameClosed).toMatch(new RegExp(`✗ TCP connection +deploy@127\\.0\\.0\\.1:${closedPort}: connection refused`));
    expect(frameClosed).toMatch(/fix: Is sshd running/);
    expect(frameClosed).toMatch(/- Docker socket +skipped/);
    expect(frameClosed).toContain('Some checks failed.');

    // Nothing was asked, and testing wrote nothing.
    expect(prompter.getSnapshot().pending).toBeUndefined();
    expect(fs.readFileSync(file).equals(saved)).toBe(true);
    app.unmount();
  });

  it("an unknown host key is asked through the session's prompter; no refuses it and records nothing", async () => {
    const { store, prompter } = hostsStore();
    // Not the alias: the plain address has no known_hosts entry under our HOME.
    expect(store.actions.add({ name: 'unknown', destination: `${lab.sshd.user}@127.0.0.1:${lab.sshd.port}`, socket: lab.docker.socketPath }).ok).toBe(true);
    store.actions.test('unknown');
    const question = await new Promise<NonNullable<ReturnType<PromptStore['getSnapshot']>['pending']>>((resolve) => {
      const check = () => {
        const p = prompter.getSnapshot().pending;
        if (p) {
          off();
          resolve(p);
        }
      };
      const off = prompter.subscribe(check);
      check();
    });
    expect(question.kind).toBe('host-key');
    if (question.kind !== 'host-key') return;
    expect(lab.sshd.hostKeys.map((k) => k.fingerprint)).toContain(question.question.fingerprintSHA256);
    expect(question.question.knownHostsFile).toBe(path.join(dir, '.ssh', 'known_hosts'));
    prompter.answer(question.id, false);
    const t = await finished(store, 'unknown');
    if (t.status !== 'done') throw new Error(JSON.stringify(t));
    expect(t.report.steps.find((s) => s.step === 'host-key')).toMatchObject({ status: 'fail' });
    expect(t.report.steps.find((s) => s.step === 'auth')).toMatchObject({ status: 'skip' });
    expect(fs.existsSync(path.join(dir, '.ssh', 'known_hosts'))).toBe(false);
  });

  it('a profile file that turns bad while the screen is open: one line on screen, and the file is left alone', async () => {
    const { store } = hostsStore();
    const app = mount(React.createElement(Hosts, { hosts: store, actions: store.actions, width: 100, height: 40, color: false, onPick: () => {}, onBack: () => {}, onHelp: () => {} }));
    await app.ready();
    const bad = '{"profiles":{"lab":{"ssh":{"host":"opsdeck-lab","port":"22022"}}}}';
    fs.writeFileSync(file, bad);
    await app.press('r');
    const f = (await app.waitFor((x) => x.includes('must be a whole number'))).replace(/\n/g, ' ');
    expect(f).toContain(`${file}: profiles.lab.ssh.port: must be a whole number from 1 to 65535 (found "22022")`);
    await app.press('t', 'a', 'd', 'x', KEY.enter);
    expect(fs.readFileSync(file, 'utf8')).toBe(bad);
    app.unmount();
  });
});

describe("a saved profile's markings, connected to the lab", () => {
  /** A real session over the lab's sshd for a profile saved with these markings; the App from source on it. */
  // A real server under a loaded CI machine: each step may take longer than the harness's 2 s.
  async function open(name: string, markings: Pick<ProfileBody, 'environment' | 'readonly' | 'colour'>) {
    // A file of its own: the test before this one leaves the shared one bad on purpose.
    const own = path.join(dir, `${name}.json`);
    new ProfileStore({ configPath: own }).add({ name, ssh: { host: lab.sshd.hostAlias }, socket: lab.docker.socketPath, ...markings });
    const flags = { host: name, config: own, 'ssh-config': lab.sshd.sshConfigPath };
    const session = new SessionStore(await resolveTarget(flags, env), { flags, env });
    await session.start();
    if (session.getSnapshot().phase !== 'ready') throw new Error(JSON.stringify(session.getSnapshot()));
    const app = mount(React.createElement(App, { session, color: false }), { plain: true });
    await app.waitFor((f) => /\d+ faulted|all services ok/.test(f), 15_000);
    return { session, app };
  }

  it('production: a restart from the grid asks for the name, and a wrong one does nothing', async () => {
    const { session, app } = await open('lab-prod', { environment: 'production' });
    try {
      expect(session.production).toBe(true);
      // As a person does it: filter, see the one row, then restart it.
      await app.press('/', 'g', 'h', 'o', 's', 't', KEY.enter);
      await app.waitFor((f) => f.includes('filter: /ghost') && /^\s+ghost\s/m.test(f), 15_000);
      await app.press('r');
      await app.waitFor((f) => f.includes('Restart blog/ghost (1 container)?') && f.includes('lab-prod is a production server. Type its name to go ahead:'), 15_000);
      await app.press('lab-pro', KEY.enter);
      await app.waitFor((f) => f.includes('that is not lab-prod'), 15_000);
      await app.press(KEY.esc);
      const f = await app.waitFor((x) => x.includes('cancelled'), 15_000);
      // Refused before anything left for the server: no "restart …" status was ever set.
      expect(f).not.toMatch(/restart \S+…/);
    } finally {
      app.unmount();
      await session.close();
    }
  }, 60_000);

  it('readonly: true opens read-only without --readonly: the actions are hidden and refused', async () => {
    const { session, app } = await open('lab-watch', { readonly: true });
    try {
      expect(session.readonly).toBe(true);
      expect(app.frame()).toContain('opsdeck · lab-watch · read-only');
      await app.press('r');
      await app.waitFor((f) => f.includes('read-only: restart is disabled'), 15_000);
    } finally {
      app.unmount();
      await session.close();
    }
  }, 60_000);
});
