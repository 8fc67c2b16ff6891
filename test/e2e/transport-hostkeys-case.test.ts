/**
 * Host names are case-insensitive, hashed known_hosts entries are not: OpenSSH lower-cases the
 * destination before it hashes it. Against the lab's sshd, reached as `LocalHost` (mixed case)
 * with a hashed known_hosts made for `[localhost]:PORT`: a different key is refused as CHANGED,
 * --accept-new or not, and the file stays as it was; the right key is found and trusted.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { runCli, tmpDir } from './unlock-helpers.js';

let lab: LabInfo;
let dir: string;

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('hostkeys-case');
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A known_hosts line as `ssh-keygen -H` writes it for `name`. */
function hashedLine(name: string, type: string, base64: string): string {
  const salt = crypto.randomBytes(20);
  const hash = crypto.createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')} ${type} ${base64}\n`;
}

function setup(knownHostsText: string): { args: string[]; kh: string } {
  const kh = path.join(dir, 'known_hosts');
  fs.writeFileSync(kh, knownHostsText);
  const cfg = path.join(dir, 'ssh_config');
  fs.writeFileSync(cfg, ['Host *', `  IdentityFile ${lab.sshd.privateKeyPath}`, `  UserKnownHostsFile ${kh}`, '  GlobalKnownHostsFile /dev/null', '  HashKnownHosts yes', ''].join('\n'));
  return { kh, args: ['--host', `${lab.sshd.user}@LocalHost:${lab.sshd.port}`, '--ssh-config', cfg, '--config', path.join(dir, 'none.json'), '--socket', lab.docker.socketPath] };
}

describe('known_hosts names are compared as OpenSSH does', () => {
  it('a changed key under a mixed-case --host is refused as changed, even with --accept-new', async () => {
    const impostor = ssh2.utils.generateKeyPairSync('ed25519').public.split(' ')[1]!;
    const text = hashedLine(`[localhost]:${lab.sshd.port}`, 'ssh-ed25519', impostor);
    const { args, kh } = setup(text);
    for (const extra of [[], ['--accept-new']]) {
      const r = await runCli(['status', ...args, ...extra], { env: { HOME: dir } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`opsdeck: HOST KEY CHANGED for [localhost]:${lab.sshd.port}`);
      expect(r.stderr).not.toMatch(/unknown host key/);
    }
    expect(fs.readFileSync(kh, 'utf8')).toBe(text);
  });

  it('the right key, hashed for the lower-case name, is found under a mixed-case --host', async () => {
    const key = lab.sshd.hostKeys.find((k) => k.type === 'ssh-ed25519') ?? lab.sshd.hostKeys[0]!;
    const text = hashedLine(`[localhost]:${lab.sshd.port}`, key.type, key.base64);
    const { args, kh } = setup(text);
    const r = await runCli(['doctor', '--json', ...args], { env: { HOME: dir } });
    const report = JSON.parse(r.stdout) as { steps: { step: string; status: string; detail: string }[] };
    const hk = report.steps.find((s) => s.step === 'host-key');
    expect(hk).toMatchObject({ status: 'pass', detail: expect.stringContaining(`matches ${kh} line 1`) });
    expect(fs.readFileSync(kh, 'utf8')).toBe(text);
  });
});
