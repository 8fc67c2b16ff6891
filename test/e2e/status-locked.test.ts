/**
 * `opsdeck status` against a server waiting in its initramfs: its sshd (port 22249 here, where
 * nothing listens) refuses, and the lab's Dropbear answers on the unlock port. The one line says
 * what that is and what to run, not "connection refused"; exit 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { runCli, tmpDir } from './unlock-helpers.js';

let lab: LabInfo;
let dir: string;
let cfg: string;

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('status-locked');
  cfg = path.join(dir, 'config.json');
  fs.writeFileSync(
    cfg,
    JSON.stringify({
      version: 1,
      profiles: {
        'web-1': {
          ssh: { host: '127.0.0.1', port: 22249, user: lab.sshd.user, identityFile: lab.sshd.privateKeyPath },
          unlock: { port: lab.dropbear.port, user: lab.dropbear.user, identityFile: lab.dropbear.privateKeyPath, knownHostsFile: path.join(dir, 'kh') },
        },
      },
    }),
  );
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('status of a server waiting for its disk passphrase', () => {
  it('says so, names the Dropbear port, points at opsdeck unlock, exit 2 (text and --json)', async () => {
    for (const extra of [[], ['--json']]) {
      const r = await runCli(['status', '--host', 'web-1', '--config', cfg, ...extra], { env: { HOME: dir } });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(new RegExp(`^opsdeck: web-1 is waiting for its disk passphrase \\(.*Dropbear answers .*on 127\\.0\\.0\\.1:${lab.dropbear.port}\\)$`));
      expect(lines[1]).toBe('Unlock its disks with: opsdeck unlock --host web-1');
    }
    // Only knocks: nothing was recorded for the initramfs.
    expect(fs.existsSync(path.join(dir, 'kh'))).toBe(false);
  });
});
