// `opsdeck provision` and `opsdeck audit` against a real Debian 12 userland: a fresh-VPS container
// on the lab's dockerd (test/lab/fresh-vps.ts), reached by opsdeck's own SSH transport through a
// ProxyCommand that runs `sshd -i` in it. Every test gets a new container and removes it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireLab } from '../lab/api.js';
import { ensureFreshVpsImage, startFreshVps, type FreshVps } from '../lab/fresh-vps.js';
import { provisionRequest } from '../../src/cli/provision-request.js';
import { provisionDeps } from '../../src/cli/provision-tui.js';
import { ProvisionStore } from '../../src/provision/provision-store.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const ROOT_PASSWORD = 'fresh vps "pw" $HOME 7f3a';
const JWT = "jwt-secret-'quoted' 91c2";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `opsdeck ARGS` as a child process; `fds` are written to fd 3, 4, … and closed (secrets never in argv). */
function opsdeck(vps: FreshVps, args: string[], fds: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bin/opsdeck.ts'), ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: vps.dir, OPSDECK_CONFIG: path.join(vps.dir, 'profiles.json') },
      stdio: ['pipe', 'pipe', 'pipe', ...fds.map(() => 'pipe' as const)],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    fds.forEach((text, i) => {
      const s = child.stdio[3 + i] as NodeJS.WritableStream;
      s.on('error', () => undefined);
      s.end(text);
    });
    child.stdin!.end();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const asRoot = (vps: FreshVps, extra: string[]) => opsdeck(vps, ['provision', '--ssh-config', vps.sshConfig, '--host', `root@${vps.name}`, '--accept-new', '--password-fd', '3', ...extra], [`${ROOT_PASSWORD}\n`]);

function project(vps: FreshVps): string {
  const dir = path.join(vps.dir, 'shop');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'docker-compose.prod.yml'),
    ['services:', '  api:', '    image: registry.example.com/shop/api:1.14.2', '    environment:', '      DATABASE_URL: ${DATABASE_URL:?DATABASE_URL is required}', '      JWT_SECRET: ${JWT_SECRET:?}', '      RATE_LIMIT_MAX: ${RATE_LIMIT_MAX:-1000}', ''].join('\n'),
  );
  fs.writeFileSync(path.join(dir, '.env.example'), ['# shop', 'DATABASE_URL=', 'JWT_SECRET=', 'RATE_LIMIT_MAX=1000', ''].join('\n'));
  return dir;
}

async function sshdT(vps: FreshVps, user = 'root'): Promise<string> {
  const r = await vps.exec(['sshd', '-T', '-C', `user=${user},host=x,addr=127.0.0.1`]);
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('provision and audit on a fresh Debian 12 server', () => {
  let vps: FreshVps | undefined;

  beforeAll(async () => {
    await requireLab();
    const t0 = Date.now();
    await ensureFreshVpsImage((l) => console.log(l));
    console.log(`fresh-VPS image ready in ${Date.now() - t0} ms`);
  }, 900_000);

  afterEach(async () => {
    await vps?.remove();
    vps = undefined;
  });

  it('takes root-with-password to hardened, with the cloud-init trap handled, and then audit passes', async () => {
    vps = await startFreshVps();
    await vps.setRootPassword(ROOT_PASSWORD);
    expect(await sshdT(vps)).toMatch(/^passwordauthentication yes$/m);
    const dir = project(vps);
    const t0 = Date.now();
    const r = await opsdeck(
      vps,
      ['provision', '--ssh-config', vps.sshConfig, '--host', `root@${vps.name}`, '--accept-new', '--yes', '--password-fd', '3', '--app', 'shop', '--project', dir, '--env-fd', '4', '--save-profile', 'web-1'],
      [`${ROOT_PASSWORD}\n`, `DATABASE_URL=postgres://shop:pw@db:5432/shop\nJWT_SECRET=${JWT}\n`],
    );
    console.log(`full provision: ${Date.now() - t0} ms`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/done: \d step\(s\) changed the server, each verified/);
    // The trap was seen and explained: 50-cloud-init.conf said yes and is left as it is, ours wins.
    expect(r.stdout).toContain('PasswordAuthentication: yes (/etc/ssh/sshd_config.d/50-cloud-init.conf line 1)');
    expect((await vps.exec(['cat', '/etc/ssh/sshd_config.d/50-cloud-init.conf'])).stdout).toBe('PasswordAuthentication yes\n');
    for (const user of ['root', 'deploy']) {
      const t = await sshdT(vps, user);
      expect(t).toMatch(/^passwordauthentication no$/m);
      expect(t).toMatch(/^kbdinteractiveauthentication no$/m);
      expect(t).toMatch(/^permitrootlogin no$/m);
      expect(t).toMatch(/^pubkeyauthentication yes$/m);
    }
    const ufw = await vps.exec(['ufw', 'status', 'verbose']);
    expect(ufw.stdout).toMatch(/Status: active/);
    expect(ufw.stdout).toMatch(/Default: deny \(incoming\)/);
    expect(ufw.stdout).toMatch(/^22\/tcp\s+ALLOW IN\s+Anywhere/m);
    expect((await vps.exec(['passwd', '-S', 'root'])).stdout).toMatch(/^root L /);
    expect((await vps.exec(['id', '-nG', 'deploy'])).stdout).toMatch(/\bdocker\b/);
    expect(JSON.parse((await vps.exec(['cat', '/etc/docker/daemon.json'])).stdout)).toEqual({ 'log-driver': 'json-file', 'log-opts': { 'max-size': '50m', 'max-file': '5' }, 'live-restore': true });
    const env = await vps.exec(['stat', '-c', '%a %U:%G', '/opt/shop/.env']);
    expect(env.stdout.trim()).toBe('600 deploy:deploy');
    const envText = (await vps.exec(['cat', '/opt/shop/.env'])).stdout;
    expect(envText).toContain('DATABASE_URL=postgres://shop:pw@db:5432/shop');
    expect(envText).toContain(`JWT_SECRET="jwt-secret-'quoted' 91c2"`);
    expect(envText).toContain('RATE_LIMIT_MAX=1000');
    expect(r.stdout).not.toContain('91c2');
    expect(r.stdout).not.toContain(ROOT_PASSWORD);

    // Root may no longer log in with its password (through opsdeck's own transport).
    const root = await asRoot(vps, ['--plan']);
    expect(root.code).toBe(2);
    expect(root.stderr).toMatch(/refused every login method/);
    expect(root.stderr).toMatch(/--host deploy@HOST/);

    // The saved profile reaches the server as deploy with the key, and audit passes.
    const audit = await opsdeck(vps, ['audit', '--ssh-config', vps.sshConfig, '--host', 'web-1', '--json']);
    expect(audit.stderr).toBe('');
    const report = JSON.parse(audit.stdout) as { ok: boolean; rows: { id: string; status: string; detail: string }[] };
    const failed = report.rows.filter((x) => x.status === 'fail');
    expect(failed).toEqual([]);
    expect(audit.code).toBe(0);
    const byId = new Map(report.rows.map((x) => [x.id, x]));
    for (const id of ['sshd-passwordauthentication', 'sshd-permitrootlogin', 'root-password', 'deploy-ssh', 'ufw', 'unattended', 'daemon-json', 'live-restore']) expect(byId.get(id)?.status, id).toBe('pass');
    expect(byId.get('backup-rpo')?.detail).toMatch(/not configured/);
  }, 240_000);

  it('a second run changes nothing and says so', async () => {
    vps = await startFreshVps();
    await vps.setRootPassword(ROOT_PASSWORD);
    const first = await asRoot(vps, ['--yes']);
    expect(first.code).toBe(0);
    const before = await vps.snapshot();
    const again = await opsdeck(vps, ['provision', '--ssh-config', vps.sshConfig, '--host', `deploy@${vps.name}`, '--yes']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing changed: every step was already done');
    expect(again.stdout).not.toMatch(/: changed$/m);
    expect(again.stdout).not.toContain('  $ ');
    expect(await vps.snapshot()).toBe(before);
  }, 240_000);

  it('a deploy key that does not work stops the wizard before any lockout step, with nothing after it changed', async () => {
    vps = await startFreshVps();
    await vps.setRootPassword(ROOT_PASSWORD);
    // The operator names the wrong public key: what gets installed is not the key opsdeck logs in with.
    const other = path.join(vps.dir, 'other_ed25519');
    const kg = spawn('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    await new Promise((r) => kg.on('close', r));
    const watched = ['/etc/ssh', '/etc/ufw', '/etc/docker', '/etc/apt', '/etc/default', '/opt'];
    const before = await vps.snapshot(watched);
    const shadowBefore = (await vps.exec(['getent', 'shadow', 'root'])).stdout;
    const r = await asRoot(vps, ['--yes', '--public-key', `${other}.pub`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[3\/8\] Prove the deploy login: FAILED/);
    expect(r.stdout).toMatch(/stopped: the deploy login does not work, so provision stopped before anything that could lock you out/);
    expect(r.stdout).toMatch(/\[4\/8\] SSH hardening: not reached/);
    expect(r.stdout).not.toMatch(/00-opsdeck\.conf/);
    expect(await vps.snapshot(watched)).toBe(before);
    expect((await vps.exec(['getent', 'shadow', 'root'])).stdout).toBe(shadowBefore);
    expect(await sshdT(vps)).toMatch(/^passwordauthentication yes$/m);
    expect((await vps.exec(['ufw', 'status'])).stdout).toMatch(/inactive/);
    // Root can still log in with its password: the operator is not locked out.
    const plan = await asRoot(vps, ['--plan', '--public-key', `${other}.pub`]);
    expect(plan.code).toBe(0);
  }, 240_000);

  it('refuses SSH hardening when a drop-in read before 00-opsdeck.conf would win, and changes nothing after it', async () => {
    vps = await startFreshVps();
    await vps.setRootPassword(ROOT_PASSWORD);
    const w = await vps.exec(['sh', '-c', 'printf "PasswordAuthentication yes\\n" > /etc/ssh/sshd_config.d/00-aaa-vendor.conf']);
    expect(w.code).toBe(0);
    const r = await asRoot(vps, ['--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PasswordAuthentication yes in /etc/ssh/sshd_config.d/00-aaa-vendor.conf line 1 is read before /etc/ssh/sshd_config.d/00-opsdeck.conf and would win');
    expect(r.stdout).toMatch(/\[4\/8\] SSH hardening: REFUSED/);
    expect((await vps.exec(['test', '-e', '/etc/ssh/sshd_config.d/00-opsdeck.conf'])).code).toBe(1);
    expect((await vps.exec(['ufw', 'status'])).stdout).toMatch(/inactive/);
  }, 240_000);

  it("refuses to follow the deploy user's authorized_keys when it is a link to /etc/shadow, and changes nothing after it", async () => {
    vps = await startFreshVps();
    await vps.setRootPassword(ROOT_PASSWORD);
    const made = await vps.exec(['sh', '-c', 'useradd --create-home --shell /bin/bash --user-group deploy && install -d -m 0700 -o deploy -g deploy /home/deploy/.ssh && ln -s /etc/shadow /home/deploy/.ssh/authorized_keys && chown -h deploy:deploy /home/deploy/.ssh/authorized_keys']);
    expect(made.code).toBe(0);
    const shadow = async () => (await vps!.exec(['sh', '-c', 'stat -c "%a %U:%G" /etc/shadow && sha256sum /etc/shadow'])).stdout;
    const before = await shadow();
    const watched = ['/etc/ssh', '/etc/ufw', '/etc/docker', '/home/deploy'];
    const snap = await vps.snapshot(watched);
    const r = await asRoot(vps, ['--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[2\/8\] Deploy user and key: REFUSED/);
    expect(r.stdout).toContain('/home/deploy/.ssh/authorized_keys is a symbolic link: provision runs as root and will not follow it (make it a plain file owned by deploy)');
    expect(r.stdout).not.toMatch(/\$6\$|root:[*!]/);
    expect(await shadow()).toBe(before);
    expect(await vps.snapshot(watched)).toBe(snap);
    expect((await vps.exec(['test', '-L', '/home/deploy/.ssh/authorized_keys'])).code).toBe(0);
  }, 240_000);

  it("refuses to write the app's .env through a link the deploy user made to /etc/passwd", async () => {
    vps = await startFreshVps();
    await vps.setRootPassword(ROOT_PASSWORD);
    const made = await vps.exec(['sh', '-c', 'useradd --create-home --shell /bin/bash --user-group deploy && install -d -m 0750 -o deploy -g deploy /opt/shop && ln -s /etc/passwd /opt/shop/.env && chown -h deploy:deploy /opt/shop/.env']);
    expect(made.code).toBe(0);
    const passwd = async () => (await vps!.exec(['sh', '-c', 'stat -c "%a %U:%G" /etc/passwd && sha256sum /etc/passwd'])).stdout;
    const before = await passwd();
    const dir = project(vps);
    const r = await opsdeck(
      vps,
      ['provision', '--ssh-config', vps.sshConfig, '--host', `root@${vps.name}`, '--accept-new', '--yes', '--password-fd', '3', '--app', 'shop', '--project', dir, '--env-fd', '4'],
      [`${ROOT_PASSWORD}\n`, `DATABASE_URL=postgres://shop:pw@db:5432/shop\nJWT_SECRET=${JWT}\n`],
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[8\/8\] App directory and \.env: REFUSED/);
    expect(r.stdout).toContain('/opt/shop/.env is a symbolic link: provision runs as root and will not follow it (make it a plain file owned by deploy)');
    expect(await passwd()).toBe(before);
    expect((await vps.exec(['grep', '-c', 'DATABASE_URL', '/etc/passwd'])).stdout.trim()).toBe('0');
  }, 240_000);

  it('--plan changes nothing on the server', async () => {
    vps = await startFreshVps();
    await vps.setRootPassword(ROOT_PASSWORD);
    const before = await vps.snapshot();
    expect(before.split('\n').length).toBeGreaterThan(500);
    const dir = project(vps);
    const r = await asRoot(vps, ['--plan', '--app', 'shop', '--project', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/plan only: \d step\(s\) would change the server; nothing was changed/);
    expect(r.stdout).toContain('$ useradd --create-home --shell /bin/bash --user-group deploy');
    expect(r.stdout).toContain('$ ufw allow 22/tcp');
    expect(r.stdout.indexOf('$ ufw allow 22/tcp')).toBeLessThan(r.stdout.indexOf('$ ufw --force enable'));
    expect(r.stdout).toContain('DATABASE_URL (hidden), JWT_SECRET (hidden): asked now');
    expect(await vps.snapshot()).toBe(before);
  }, 240_000);

  it('the TUI wizard store: trusts the host key and takes the password through its prompts, asks before each step, and finishes', async () => {
    vps = await startFreshVps();
    await vps.setRootPassword(ROOT_PASSWORD);
    const env = { PATH: process.env.PATH, HOME: vps.dir };
    const req = await provisionRequest({ values: { 'ssh-config': vps.sshConfig, host: `root@${vps.name}` }, env });
    const store = new ProvisionStore(provisionDeps({ values: {}, env }, req, undefined));
    const seen = { hostKey: 0, password: 0, asked: [] as string[] };
    const unsub = store.prompts.subscribe(() => {
      const p = store.prompts.getSnapshot().pending;
      if (p?.kind === 'host-key') {
        seen.hostKey++;
        store.prompts.answer(p.id, true);
      } else if (p?.kind === 'secret') {
        seen.password++;
        store.prompts.answer(p.id, Buffer.from(ROOT_PASSWORD));
      }
    });
    const unsub2 = store.subscribe(() => {
      const s = store.getSnapshot();
      if (s.asking !== undefined) {
        const r = s.reports[s.asking]!;
        seen.asked.push(r.id);
        // The plan is on screen before the answer: the exact commands.
        expect(s.details[s.asking]!.some((l) => l.startsWith('  $ '))).toBe(true);
        store.actions.answer(r.id === 'docker' ? 'skip' : 'yes');
      }
    });
    try {
      store.actions.chooseSudo('nopasswd');
      store.actions.start();
      for (let i = 0; i < 600 && store.getSnapshot().phase !== 'finished'; i++) await new Promise((r) => setTimeout(r, 100));
      const s = store.getSnapshot();
      expect(s.error).toBeUndefined();
      expect(s.outcome).toMatchObject({ ok: true, changed: true });
      expect(seen.hostKey).toBe(1);
      expect(seen.password).toBe(1);
      expect(seen.asked).toEqual(['deploy-user', 'ssh', 'firewall', 'docker']);
      expect(s.reports.find((r) => r.id === 'docker')?.status).toBe('declined');
      expect((await vps.exec(['test', '-e', '/etc/docker/daemon.json'])).code).toBe(1);
      expect(await sshdT(vps)).toMatch(/^permitrootlogin no$/m);
      expect(fs.readFileSync(vps.knownHosts, 'utf8')).toContain(vps.name);
    } finally {
      unsub();
      unsub2();
      await store.close();
    }
  }, 240_000);
});

