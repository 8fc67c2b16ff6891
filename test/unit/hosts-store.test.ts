import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostsStore, checkHostField, type HostTest } from '../../src/model/hosts-store.js';
import { ProfileStore } from '../../src/config/profile-store.js';

let dir: string;
let file: string;
let sshConfig: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-hosts-store-'));
  file = path.join(dir, 'config.json');
  // An empty ssh_config of our own, so the machine's ~/.ssh/config and /etc/ssh/ssh_config play no part.
  sshConfig = path.join(dir, 'ssh_config');
  fs.writeFileSync(sshConfig, '');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function store(extra: { connected?: string } = {}) {
  return new HostsStore({ configPath: file, env: { HOME: dir }, flags: { 'ssh-config': sshConfig }, ...extra });
}

function seed(text: string): { bytes: Buffer; mtime: number } {
  fs.writeFileSync(file, text);
  return { bytes: fs.readFileSync(file), mtime: fs.statSync(file).mtimeMs };
}

function unchanged(before: { bytes: Buffer; mtime: number }): void {
  expect(fs.readFileSync(file).equals(before.bytes)).toBe(true);
  expect(fs.statSync(file).mtimeMs).toBe(before.mtime);
  expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'ssh_config']);
}

async function finished(h: HostsStore, name: string): Promise<HostTest> {
  return new Promise((resolve) => {
    const check = () => {
      const t = h.getSnapshot().tests.get(name);
      if (t && t.status !== 'running') {
        off();
        resolve(t);
      }
    };
    const off = h.subscribe(check);
    check();
  });
}

/** A loopback port nobody listens on: bound by us, then closed. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('hosts store: the list', () => {
  it('starts empty without creating the file, and names the file in use', () => {
    const h = store();
    expect(h.getSnapshot()).toMatchObject({ path: file, rows: [], fileError: undefined });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('takes the file from OPSDECK_CONFIG when no path is given, as the CLI does', () => {
    new ProfileStore({ configPath: file }).add({ name: 'prod', ssh: { host: 'prod.example.com' } });
    const h = new HostsStore({ env: { OPSDECK_CONFIG: file, HOME: dir } });
    expect(h.getSnapshot().path).toBe(file);
    expect(h.getSnapshot().rows.map((r) => r.name)).toEqual(['prod']);
    // --config (flags.config) wins over the environment, like everywhere else.
    const other = path.join(dir, 'other.json');
    expect(new HostsStore({ env: { OPSDECK_CONFIG: file }, flags: { config: other } }).getSnapshot().path).toBe(other);
  });

  it('marks the default and the server this session is connected to', () => {
    const p = new ProfileStore({ configPath: file });
    p.add({ name: 'prod', ssh: { host: 'prod.example.com', user: 'deploy', port: 2222 }, socket: '/run/user/1000/docker.sock', compose: { directory: '/srv/app' } }, { makeDefault: true });
    p.add({ name: 'box', local: true });
    p.add({ name: 'v6', ssh: { host: '2001:db8::1', port: 22 } });
    const h = store({ connected: 'box' });
    const none = { group: '', environment: '', colour: undefined, readonly: false };
    expect(h.getSnapshot().rows.map(({ profile: _, ...r }) => r)).toEqual([
      { name: 'box', destination: 'local', local: true, socket: '/var/run/docker.sock', socketIsDefault: true, composeDir: '', projects: [], isDefault: false, isConnected: true, ...none },
      { name: 'prod', destination: 'deploy@prod.example.com:2222', local: false, socket: '/run/user/1000/docker.sock', socketIsDefault: false, composeDir: '/srv/app', projects: [], isDefault: true, isConnected: false, ...none },
      { name: 'v6', destination: '[2001:db8::1]:22', local: false, socket: '/var/run/docker.sock', socketIsDefault: true, composeDir: '', projects: [], isDefault: false, isConnected: false, ...none },
    ]);
    expect(h.getSnapshot().rows[1]!.profile).toEqual(p.get('prod'));
    h.setConnected('prod');
    expect(h.getSnapshot().rows.filter((r) => r.isConnected).map((r) => r.name)).toEqual(['prod']);
  });

  it('picks up changes made elsewhere (another terminal) on reload and when the screen opens again', () => {
    const h = store();
    new ProfileStore({ configPath: file }).add({ name: 'late', ssh: { host: 'late.example.com' } });
    expect(h.getSnapshot().rows).toEqual([]);
    const off = h.subscribe(() => {});
    expect(h.getSnapshot().rows.map((r) => r.name)).toEqual(['late']);
    off();
    new ProfileStore({ configPath: file }).add({ name: 'later', local: true });
    h.actions.reload();
    expect(h.getSnapshot().rows.map((r) => r.name)).toEqual(['late', 'later']);
  });
});

describe('hosts store: add', () => {
  it('saves an ssh_config alias, and user@host:port with a socket and a compose dir, through the profile schema', () => {
    const h = store();
    expect(h.actions.add({ name: 'lab', destination: 'opsdeck-lab' })).toEqual({ ok: true, name: 'lab' });
    expect(h.actions.add({ name: 'prod', destination: ' deploy@203.0.113.9:2222 ', socket: '/run/user/1000/docker.sock', composeDir: '/srv/shop' })).toEqual({ ok: true, name: 'prod' });
    expect(h.getSnapshot().notice).toEqual({ text: `saved 'prod' (deploy@203.0.113.9:2222) in ${file}; t tests it`, level: 'ok' });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      profiles: {
        lab: { ssh: { host: 'opsdeck-lab' } },
        prod: { ssh: { host: '203.0.113.9', user: 'deploy', port: 2222 }, socket: '/run/user/1000/docker.sock', compose: { directory: '/srv/shop' } },
      },
    });
    expect(h.getSnapshot().rows.map((r) => [r.name, r.destination])).toEqual([
      ['lab', 'opsdeck-lab'],
      ['prod', 'deploy@203.0.113.9:2222'],
    ]);
  });

  const bad: [string, Parameters<HostsStore['actions']['add']>[0], string, RegExp][] = [
    ['empty name', { name: '', destination: 'h' }, 'name', /^name: give the server a short name/],
    ['name with a space', { name: 'my server', destination: 'h' }, 'name', /^name: profile names use letters, digits, dot, dash and underscore/],
    ['duplicate name', { name: 'prod', destination: 'h' }, 'name', /^name: a server named 'prod' is already saved$/],
    ['empty destination', { name: 'x', destination: '  ' }, 'destination', /^destination: give \[user@\]host\[:port\] or an ssh_config Host alias$/],
    ['shell in the host', { name: 'x', destination: 'h;rm -rf /' }, 'destination', /^destination: 'h;rm -rf \/': 'h;rm -rf \/' is not a valid host name$/],
    ['port 0', { name: 'x', destination: 'deploy@h:0' }, 'destination', /^destination: 'deploy@h:0': port must be a number from 1 to 65535$/],
    ['port too big', { name: 'x', destination: 'h:70000' }, 'destination', /port must be a number from 1 to 65535/],
    ['bad user', { name: 'x', destination: 'bad user@h' }, 'destination', /'bad user' is not a valid user name/],
    ['relative socket', { name: 'x', destination: 'h', socket: 'docker.sock' }, 'socket', /^docker socket: must be an absolute path starting with \/$/],
    ['relative compose dir', { name: 'x', destination: 'h', composeDir: 'srv/app' }, 'composeDir', /^compose dir: must be an absolute path starting with \/$/],
  ];
  for (const [what, input, field, re] of bad) {
    it(`refuses ${what} with one line naming the field, and leaves the file as it was`, () => {
      new ProfileStore({ configPath: file }).add({ name: 'prod', ssh: { host: 'prod.example.com' } });
      const before = { bytes: fs.readFileSync(file), mtime: fs.statSync(file).mtimeMs };
      const h = store();
      const r = h.actions.add(input);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.field).toBe(field);
      expect(r.error).toMatch(re);
      expect(r.error).not.toContain('\n');
      // The form's per-field check says the same thing.
      const value = field === 'name' ? input.name : field === 'destination' ? input.destination : (input[field as 'socket' | 'composeDir'] ?? '');
      expect(h.actions.checkField(field as never, value)).toBe(r.error);
      unchanged(before);
      expect(h.getSnapshot().rows.map((x) => x.name)).toEqual(['prod']);
    });
  }

  it('does not create the file when the first add is refused', () => {
    const h = store();
    expect(h.actions.add({ name: 'x', destination: 'h:0' }).ok).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('checks optional fields only when given', () => {
    expect(checkHostField('socket', '')).toBeUndefined();
    expect(checkHostField('composeDir', '   ')).toBeUndefined();
    expect(checkHostField('destination', 'ssh://deploy@[2001:db8::1]:2222')).toBeUndefined();
    expect(checkHostField('name', 'web-1.prod')).toBeUndefined();
  });
});

describe('hosts store: default and remove', () => {
  it('d makes a server the default and, pressed again, clears it', () => {
    const p = new ProfileStore({ configPath: file });
    p.add({ name: 'a', ssh: { host: 'a.example.com' } });
    p.add({ name: 'b', ssh: { host: 'b.example.com' } }, { makeDefault: true });
    const h = store();
    h.actions.toggleDefault('a');
    expect(p.defaultName()).toBe('a');
    expect(h.getSnapshot().rows.map((r) => r.isDefault)).toEqual([true, false]);
    expect(h.getSnapshot().notice?.text).toBe("'a' is the default: opsdeck opens it when no --host is given");
    h.actions.toggleDefault('a');
    expect(p.defaultName()).toBeUndefined();
    expect(h.getSnapshot().rows.some((r) => r.isDefault)).toBe(false);
  });

  it('remove deletes the profile (and the default pointing at it); the connected one says the session stays', () => {
    const p = new ProfileStore({ configPath: file });
    p.add({ name: 'a', ssh: { host: 'a.example.com' } }, { makeDefault: true });
    p.add({ name: 'b', ssh: { host: 'b.example.com' } });
    const h = store({ connected: 'a' });
    h.actions.remove('a');
    expect(p.list().map((x) => x.name)).toEqual(['b']);
    expect(p.defaultName()).toBeUndefined();
    expect(h.getSnapshot().notice).toEqual({ text: "removed 'a'; this session stays connected to it until you pick another server", level: 'ok' });
    h.actions.remove('a');
    expect(h.getSnapshot().notice).toEqual({ text: "'a' is not saved any more", level: 'warn' });
    h.actions.toggleDefault('a');
    expect(h.getSnapshot().notice).toEqual({ text: "'a' is not saved any more", level: 'warn' });
    expect(p.defaultName()).toBeUndefined();
  });
});

describe('hosts store: a bad profile file', () => {
  const cases: [string, string, RegExp][] = [
    ['unparsable', '{"profiles": {"a": {"ssh": {"host": "x"}},}}', /: not valid JSON: .* at line 1, column \d+$/],
    ['bad port', '{"profiles":{"a":{"ssh":{"host":"x","port":0}}}}', /: profiles\.a\.ssh\.port: must be a whole number from 1 to 65535 \(found 0\)$/],
    ['unknown key', '{"profiles":{"a":{"ssh":{"host":"x"},"sockett":"/x"}}}', /: profiles\.a\.sockett: unknown field \(did you mean 'socket'\?\)$/],
    ['wrong type', '{"profiles":[]}', /: profiles: must be an object mapping profile names to profiles/],
    ['escape sequences in a value', '{"profiles":{"a":{"ssh":{"host":"x\\u001b[2J"}}}}', /: profiles\.a\.ssh\.host: must be a host name/],
  ];
  for (const [what, text, re] of cases) {
    it(`${what}: one line naming file and field; nothing is changed or rewritten`, async () => {
      const before = seed(text);
      const h = store();
      const e = h.getSnapshot().fileError!;
      expect(e.message.startsWith(`${file}: `)).toBe(true);
      expect(e.message).toMatch(re);
      expect(e.message).not.toMatch(/[\n\u001b]/);
      expect(e.hint).toMatch(/never rewrites/);
      expect(h.getSnapshot().rows).toEqual([]);
      const add = h.actions.add({ name: 'new', destination: 'new.example.com' });
      expect(add).toEqual({ ok: false, field: undefined, error: e.message });
      h.actions.remove('a');
      expect(h.getSnapshot().notice).toEqual({ text: `removing 'a': ${e.message}`, level: 'error' });
      h.actions.toggleDefault('a');
      expect(h.getSnapshot().notice?.level).toBe('error');
      h.actions.test('a');
      const t = await finished(h, 'a');
      expect(t).toMatchObject({ status: 'error', message: e.message });
      unchanged(before);
    });
  }

  it('reads the file again once it is fixed (r)', () => {
    seed('{"profiles":{"a":{"ssh":{"host":"x","port":0}}}}');
    const h = store();
    expect(h.getSnapshot().fileError).toBeDefined();
    fs.writeFileSync(file, '{"profiles":{"a":{"ssh":{"host":"x","port":22}}}}');
    h.actions.reload();
    expect(h.getSnapshot().fileError).toBeUndefined();
    expect(h.getSnapshot().rows.map((r) => r.destination)).toEqual(['x:22']);
  });

  it('a directory where the file should be is one line too, not a crash', () => {
    fs.mkdirSync(file);
    const h = store();
    expect(h.getSnapshot().fileError?.message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: .*EISDIR`));
    expect(h.actions.add({ name: 'n', destination: 'h' }).ok).toBe(false);
    expect(fs.statSync(file).isDirectory()).toBe(true);
  });
});

describe('hosts store: test', () => {
  it('runs the real doctor checks: a closed loopback port fails at TCP with a hint, and later steps are skipped', async () => {
    const port = await closedPort();
    const h = store();
    expect(h.actions.add({ name: 'closed', destination: `deploy@127.0.0.1:${port}` }).ok).toBe(true);
    h.actions.test('closed');
    expect(h.getSnapshot().tests.get('closed')).toEqual({ status: 'running' });
    // A second t while it runs does not start another.
    h.actions.test('closed');
    const t = await finished(h, 'closed');
    if (t.status !== 'done') throw new Error(`expected a report, got ${JSON.stringify(t)}`);
    expect(t.report.ok).toBe(false);
    expect(t.report.target).toMatchObject({ kind: 'ssh', label: 'closed', destination: `deploy@127.0.0.1:${port}` });
    const tcp = t.report.steps.find((s) => s.step === 'tcp')!;
    expect(tcp.status).toBe('fail');
    expect(tcp.detail).toMatch(/connection refused/);
    expect(tcp.hint).toMatch(/sshd/);
    expect(t.report.steps.filter((s) => ['docker-socket', 'engine', 'compose', 'path'].includes(s.step)).every((s) => s.status === 'skip')).toBe(true);
  });

  it('tests a local profile against its socket', async () => {
    const p = new ProfileStore({ configPath: file });
    p.add({ name: 'here', local: true, socket: path.join(dir, 'no-docker.sock') });
    const h = store();
    h.actions.test('here');
    const t = await finished(h, 'here');
    if (t.status !== 'done') throw new Error('expected a report');
    expect(t.report.steps[0]).toMatchObject({ step: 'docker-socket', status: 'fail', detail: `no Docker socket at ${path.join(dir, 'no-docker.sock')}` });
    expect(t.report.steps[0]!.hint).toMatch(/--socket PATH/);
  });

  it('a test that cannot start (ssh_config missing, profile gone) is one line, not a throw', async () => {
    new ProfileStore({ configPath: file }).add({ name: 'a', ssh: { host: 'a.example.com' } });
    const h = new HostsStore({ configPath: file, env: { HOME: dir }, flags: { 'ssh-config': path.join(dir, 'missing_config') } });
    h.actions.test('a');
    const t = await finished(h, 'a');
    expect(t.status).toBe('error');
    if (t.status === 'error') {
      expect(t.message).toContain('missing_config');
      expect(t.message).not.toContain('\n');
    }
    const h2 = store();
    h2.actions.test('nobody');
    // resolveTarget would treat an unknown name as a host name: the store only tests saved servers.
    expect(await finished(h2, 'nobody')).toMatchObject({ status: 'error', message: "'nobody' is not saved any more" });
  });
});
