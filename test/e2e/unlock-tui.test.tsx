/**
 * The Unlock screen end to end: real stores against the lab's Dropbear and a real sshd of ours
 * (port 22245, down until the disk is unlocked), keys typed into the screen, then the
 * dashboard's container list over the server's normal connection once it is back. No frame may
 * ever show the passphrase.
 */
import fs from 'node:fs';
import path from 'node:path';
import React from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, resetUnlock, unlockState, type LabInfo } from '../lab/api.js';
import { Unlock } from '../../screens/Unlock.js';
import { GridStore } from '../../src/model/grid-store.js';
import { connect, type ServerConnection } from '../../src/transport/connection.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { requireSshTarget, resolveUnlockEndpoint } from '../../src/unlock/unlock-settings.js';
import { createUnlockSession } from '../../src/unlock/unlock-store.js';
import { KEY, mount } from '../tui/harness.js';
import { filesContaining, prepareSshd, tmpDir, watchArgv, type OwnSshd } from './unlock-helpers.js';

let lab: LabInfo;
let dir: string;
let sshd: OwnSshd;
const PORT = 22245;

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('unlock-tui');
  sshd = prepareSshd(lab, PORT);
  fs.writeFileSync(path.join(dir, 'known_hosts'), sshd.knownHostsLine);
  fs.copyFileSync(lab.dropbear.knownHostsPath, path.join(dir, 'initramfs_kh'));
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      version: 1,
      profiles: {
        'web-1': {
          ssh: { host: '127.0.0.1', port: PORT, user: lab.sshd.user, identityFile: lab.sshd.privateKeyPath },
          socket: lab.docker.socketPath,
          unlock: { port: lab.dropbear.port, user: lab.dropbear.user, identityFile: lab.dropbear.privateKeyPath, knownHostsFile: path.join(dir, 'initramfs_kh'), waitTimeoutSeconds: 30 },
        },
      },
    }),
  );
  fs.writeFileSync(path.join(dir, 'ssh_config'), `Host 127.0.0.1\n  UserKnownHostsFile ${path.join(dir, 'known_hosts')}\n  GlobalKnownHostsFile /dev/null\n`);
});

afterAll(async () => {
  await sshd?.remove();
  if (dir) {
    expect(filesContaining(dir, lab.dropbear.passphrase)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('Unlock screen against the lab', () => {
  it('knock, type the passphrase (a typo first), unlock, wait, then the dashboard lists the containers', async () => {
    await resetUnlock();
    const flags = { host: 'web-1', config: path.join(dir, 'config.json'), 'ssh-config': path.join(dir, 'ssh_config') };
    const env = { HOME: dir };
    const main = requireSshTarget(await resolveTarget(flags, env), 'test');
    const endpoint = await resolveUnlockEndpoint(main, flags, env);
    let dashboard: { conn: ServerConnection; grid: GridStore } | undefined;
    let opening: Promise<void> | undefined;
    const { store, actions } = createUnlockSession(main, endpoint, {
      mainPrompter: refusingPrompter,
      waitIntervalMs: 300,
      // What the App does when the server is back: connect and show the grid.
      onServerBack: () => {
        opening = (async () => {
          const conn = await connect(main, refusingPrompter, { reconnect: false });
          dashboard = { conn, grid: new GridStore(conn) };
        })();
      },
    });
    let started: Promise<void> | undefined;
    const offStart = store.subscribe(() => {
      if (store.getSnapshot().devices.length && !started) started = sshd.start();
    });
    const watch = watchArgv(lab.dropbear.passphrase);
    const app = mount(<Unlock unlock={store} actions={actions} width={120} height={30} color={false} onBack={() => undefined} onHelp={() => undefined} />);
    try {
      await app.waitFor((f) => f.includes('web-1 is waiting for its disk passphrase'), 10_000);
      expect(app.frame().replace(/\s+/g, ' ')).toContain(`Dropbear answers (dropbear_2022.83) on 127.0.0.1:${lab.dropbear.port}`);
      await app.press(KEY.enter);
      await app.waitFor((f) => f.includes('Disk passphrase for web-1'), 10_000);
      await app.press('a typo', KEY.enter);
      await app.waitFor((f) => f.includes('Wrong passphrase: 2 tries left'), 10_000);
      expect(app.frame()).toContain('Passphrase for nvme0n1p3_crypt on web-1');
      await app.press(lab.dropbear.passphrase, KEY.enter);
      await app.waitFor((f) => f.includes('✓ web-1 is back after'), 30_000);
      expect(app.frame()).toContain('unlocked: nvme0n1p3_crypt');
      expect(unlockState().attempts.map((a) => a.split(' ')[2])).toEqual(['bad-passphrase', 'unlocked']);
      await opening;
      const d = dashboard!;
      const off = d.grid.subscribe(() => undefined);
      for (let i = 0; i < 400 && d.grid.getSnapshot().status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 25));
      expect(d.grid.getSnapshot().containers.size).toBe(lab.containers.length);
      off();
      for (const f of app.frames) expect(f).not.toContain(lab.dropbear.passphrase);
      expect(await watch.stop()).toEqual([]);
    } finally {
      offStart();
      app.unmount();
      await started;
      await dashboard?.conn.close();
      await watch.stop();
    }
  });
});
