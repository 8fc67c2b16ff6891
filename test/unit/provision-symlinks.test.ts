/**
 * Provision runs as root inside directories the deploy user owns: ~/.ssh and the app's .env. A
 * symbolic link there (to /etc/shadow, /root/.ssh) must never be followed. The steps' own fact
 * scripts and planned commands run here for real, with sh on this machine, on a directory tree
 * under /tmp (a stand-in `getent` names its home).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appStep } from '../../src/provision/steps/app-dir.js';
import { deployUserStep } from '../../src/provision/steps/deploy-user.js';
import type { Command, ProvisionContext } from '../../src/provision/step.js';
import type { ProvisionSettings } from '../../src/provision/settings.js';
import type { ExecResult } from '../../src/transport/exec-types.js';

const ME = os.userInfo().username;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpsdeckTestKeyOpsdeckTestKeyOpsdeckTest0001 op@laptop';
let tmp: string;

afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function setup(home: string, shadow = '*') {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-provision-links-'));
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  // Only the deploy user's entries: the rest of the script runs the real tools.
  fs.writeFileSync(path.join(bin, 'getent'), `#!/bin/sh\ncase $1 in passwd) printf '%s\\n' '${ME}:x:1000:1000::${home.replace('HOME', path.join(tmp, 'home'))}:/bin/sh' ;; shadow) echo '${ME}:${shadow}:19000::::::' ;; esac\n`, { mode: 0o755 });
  fs.mkdirSync(path.join(tmp, 'home'));
  return bin;
}

function localCtx(bin: string, settings: Partial<ProvisionSettings>, answers: { password?: Buffer } = {}) {
  const ran: string[][] = [];
  const exec = (argv: readonly string[], stdin?: string | Buffer): ExecResult => {
    // Over SSH stdin is a pipe; Node's is a socket, which install cannot open as /dev/stdin.
    const piped = stdin === undefined ? [...argv] : ['sh', '-c', 'cat | "$@"', 'pipe', ...argv];
    const r = spawnSync(piped[0]!, piped.slice(1), { input: stdin ?? '', env: { PATH: `${bin}:${process.env.PATH}` } });
    return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() } as ExecResult;
  };
  const ctx = {
    shell: { loginUser: 'root', via: 'root', argvFor: (a: readonly string[]) => [...a], run: async (argv: readonly string[]) => exec(argv) },
    settings: { deployUser: ME, publicKey: KEY, sudo: 'none', app: undefined, ...settings },
    facts: {},
    askValue: async () => Buffer.from('value'),
    askPassword: async () => answers.password ?? null,
    log: () => undefined,
    run: async (c: Command) => {
      ran.push(c.argv);
      const stdin = c.stdin?.kind === 'file' ? c.stdin.text : c.stdin ? await c.stdin.bytes(ctx) : undefined;
      return exec(c.argv, stdin);
    },
  } as unknown as ProvisionContext;
  return { ctx, ran };
}

describe("the deploy user's ~/.ssh", () => {
  it('refuses an authorized_keys that is a link, without reading what it points to', async () => {
    const bin = setup('HOME');
    const secret = path.join(tmp, 'shadow');
    fs.writeFileSync(secret, 'root:$6$secret:19000:0:99999:7:::\n');
    fs.mkdirSync(path.join(tmp, 'home/.ssh'), { mode: 0o700 });
    fs.symlinkSync(secret, path.join(tmp, 'home/.ssh/authorized_keys'));
    const { ctx } = localCtx(bin, {});
    const check = await deployUserStep.check(ctx);
    expect(check.state).toBe('refused');
    expect(check.commands).toEqual([]);
    expect(check.found.at(-1)).toBe(`${tmp}/home/.ssh/authorized_keys is a symbolic link: provision runs as root and will not follow it (make it a plain file owned by ${ME})`);
    expect(JSON.stringify(check)).not.toContain('$6$secret');
  });

  it('refuses a ~/.ssh that is a link (to another user\'s .ssh)', async () => {
    const bin = setup('HOME');
    const rootSsh = path.join(tmp, 'root-ssh');
    fs.mkdirSync(rootSsh, { mode: 0o700 });
    fs.symlinkSync(rootSsh, path.join(tmp, 'home/.ssh'));
    const check = await deployUserStep.check(localCtx(bin, {}).ctx);
    expect(check.state).toBe('refused');
    expect(check.found.at(-1)).toContain(`${tmp}/home/.ssh is a symbolic link`);
  });

  it('a link made after the check is not followed when the plan runs', async () => {
    const bin = setup('HOME');
    const { ctx, ran } = localCtx(bin, {});
    const check = await deployUserStep.check(ctx);
    expect(check.state).toBe('todo');
    const rootSsh = path.join(tmp, 'root-ssh');
    fs.mkdirSync(rootSsh, { mode: 0o700 });
    fs.symlinkSync(rootSsh, path.join(tmp, 'home/.ssh'));
    const out = await deployUserStep.apply!(ctx, check);
    expect(out.ok).toBe(false);
    expect(out.lines.join('\n')).toContain(`${tmp}/home/.ssh is a symbolic link: not followed as root`);
    expect(fs.readdirSync(rootSsh)).toEqual([]);
    expect(ran).toHaveLength(1);
  });

  it('still writes the key into a plain ~/.ssh', async () => {
    const bin = setup('HOME');
    const { ctx } = localCtx(bin, {});
    const out = await deployUserStep.apply!(ctx, await deployUserStep.check(ctx));
    expect(out).toEqual({ ok: true, lines: [] });
    expect(fs.readFileSync(path.join(tmp, 'home/.ssh/authorized_keys'), 'utf8')).toBe(`${KEY}\n`);
    expect((fs.statSync(path.join(tmp, 'home/.ssh/authorized_keys')).mode & 0o777).toString(8)).toBe('600');
  });

  it('refuses a home directory with control characters instead of printing it', async () => {
    const bin = setup('/home/de\u001b]0;pwned\u0007ploy');
    const check = await deployUserStep.check(localCtx(bin, {}).ctx);
    expect(check.state).toBe('refused');
    expect(check.found.join('\n')).not.toMatch(/[\u0000-\u001f]/);
    expect(check.found.at(-1)).toContain("is '/home/deploy', not a plain absolute path");
  });

  it('refuses a sudo password with a line break, CR or NUL: chpasswd would read a second line', async () => {
    for (const bad of ['pw\nroot:owned', 'pw\rx', 'pw\u0000x']) {
      const pw = Buffer.from(bad);
      const bin = setup('HOME', '!');
      const { ctx } = localCtx(bin, { sudo: 'password' }, { password: pw });
      const check = await deployUserStep.check(ctx);
      const chpasswd = check.commands.find((c) => c.argv[0] === 'chpasswd')!;
      expect(chpasswd.stdin?.kind).toBe('secret');
      await expect((chpasswd.stdin as { bytes: (c: ProvisionContext) => Promise<Buffer> }).bytes(ctx)).rejects.toThrow(/line break or NUL byte/);
      expect(pw.every((b) => b === 0)).toBe(true);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("the app's .env", () => {
  const app = (dir: string) => ({ name: 'shop', dir, envExample: 'DATABASE_URL=\n', composeText: 'services:\n  api:\n    environment:\n      DATABASE_URL: ${DATABASE_URL:?}\n' });

  it('refuses a .env that is a link, without reading it', async () => {
    const bin = setup('HOME');
    const dir = path.join(tmp, 'home/shop');
    fs.mkdirSync(dir);
    const target = path.join(tmp, 'passwd');
    fs.writeFileSync(target, 'root:x:0:0:root:/root:/bin/bash\nSECRET_KEY=abc\n');
    fs.symlinkSync(target, path.join(dir, '.env'));
    const check = await appStep.check(localCtx(bin, { app: app(dir) }).ctx);
    expect(check.state).toBe('refused');
    expect(check.found).toEqual([`${dir}/.env is a symbolic link: provision runs as root and will not follow it (make it a plain file owned by ${ME})`]);
  });

  it('a .env link made after the check is not written through', async () => {
    const bin = setup('HOME');
    const dir = path.join(tmp, 'home/shop');
    fs.mkdirSync(dir);
    const { ctx } = localCtx(bin, { app: app(dir) });
    const check = await appStep.check(ctx);
    expect(check.state).toBe('todo');
    const target = path.join(tmp, 'passwd');
    fs.writeFileSync(target, 'root:x:0:0:root:/root:/bin/bash\n');
    fs.symlinkSync(target, path.join(dir, '.env'));
    const out = await appStep.apply!(ctx, check);
    expect(out.ok).toBe(false);
    expect(fs.readFileSync(target, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
    expect(fs.lstatSync(path.join(dir, '.env')).isSymbolicLink()).toBe(true);
  });

  it('appending, chown and chmod refuse a .env swapped for a link', async () => {
    const bin = setup('HOME');
    const dir = path.join(tmp, 'home/shop');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '.env'), 'OTHER=1\n', { mode: 0o644 });
    const { ctx } = localCtx(bin, { app: app(dir) });
    const check = await appStep.check(ctx);
    expect(check.commands.map((c) => c.argv.at(-1))).toEqual([`${dir}/.env`, `${dir}/.env`, `${dir}/.env`]);
    const target = path.join(tmp, 'passwd');
    fs.writeFileSync(target, 'root:x:0:0:root:/root:/bin/bash\n', { mode: 0o644 });
    fs.rmSync(path.join(dir, '.env'));
    fs.symlinkSync(target, path.join(dir, '.env'));
    for (const c of check.commands) expect((await ctx.run(c)).code).not.toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
    expect(fs.statSync(target).mode & 0o777).toBe(0o644);
  });
});
