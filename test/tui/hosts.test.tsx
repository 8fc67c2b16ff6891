import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import React from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Hosts } from '../../screens/Hosts.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ProfileStore } from '../../src/config/profile-store.js';
import { HostsStore, hostRow, type HostsActions, type HostsSnapshot, type HostTest } from '../../src/model/hosts-store.js';
import type { DoctorReport } from '../../src/transport/diagnose.js';
import { hostFormKeys, hostsKeys, visibleHostsKeys } from '../../screens/hosts-keys.js';
import { KEY, mount, valueStore } from './harness.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-hosts-tui-'));
  file = path.join(dir, 'config.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function seedProfiles() {
  const p = new ProfileStore({ configPath: file });
  p.add({ name: 'prod', ssh: { host: '203.0.113.9', user: 'deploy', port: 2222 }, socket: '/run/user/1000/docker.sock', compose: { directory: '/srv/shop' } }, { makeDefault: true });
  p.add({ name: 'lab', ssh: { host: 'opsdeck-lab' } });
  return p;
}

/** The frame's text without box borders and line breaks, for text that wraps. */
function flat(frame: string): string {
  return frame.replace(/[│\n]/g, ' ').replace(/\s+/g, ' ');
}

function snapshotOf(p: ProfileStore) {
  return { bytes: fs.readFileSync(file), mtime: fs.statSync(file).mtimeMs };
}

/** The real store on a temp file; onPick/onBack/onHelp recorded. */
function real(opts: { connected?: string; readonly?: boolean; dialog?: boolean } = {}) {
  const store = new HostsStore({ configPath: file, env: { HOME: dir }, ...(opts.connected ? { connected: opts.connected } : {}) });
  const calls: string[] = [];
  const app = mount(
    <>
    {opts.dialog ? <ConfirmDialog title="A question of the App" onAnswer={(yes) => calls.push(`dialog:${yes}`)} /> : null}
    <Hosts
      hosts={store}
      actions={store.actions}
      width={100}
      height={30}
      color={false}
      readonly={opts.readonly ?? false}
      onPick={(n) => calls.push(`pick:${n}`)}
      onBack={() => calls.push('back')}
      onHelp={() => calls.push('help')}
    />
    </>,
    { plain: true },
  );
  return { store, app, calls };
}

describe('Hosts key table', () => {
  it('binds every key once, and read-only keeps only the keys that edit nothing', () => {
    for (const table of [hostsKeys, hostFormKeys]) {
      const all = table.flatMap((b) => b.keys);
      expect(new Set(all).size).toBe(all.length);
    }
    expect(visibleHostsKeys(true).map((b) => b.action)).toEqual(['down', 'up', 'top', 'bottom', 'pick', 'test', 'reload', 'back', 'help']);
    expect(hostFormKeys.map((b) => b.keys[0])).toEqual(['enter', 'tab', 'esc']);
  });
});

describe('Hosts screen: the list', () => {
  it('shows each saved server with destination, socket and compose dir; marks the default and the connected one', async () => {
    seedProfiles();
    const { app } = real({ connected: 'lab' });
    await app.ready();
    const f = app.frame();
    expect(f).toContain(`Servers · 2 saved in ${file}`);
    expect(f).toMatch(/NAME +DESTINATION +DOCKER SOCKET +COMPOSE DIR/);
    expect(f).toMatch(/^● +lab +opsdeck-lab +\/var\/run\/docker\.sock$/m);
    expect(f).toMatch(/^ \* prod +deploy@203\.0\.113\.9:2222 +\/run\/user\/1000\/docker\.sock +\/srv\/shop$/m);
    expect(f).toContain('● connected now  * default');
    expect(f).toContain('t tests the path to lab');
    expect(f).toMatch(/⏎ connect +t test +a add +e edit +d default +x remove +esc back +\? help/);
    // No profile has a group or an environment: the columns are left out, not drawn empty.
    expect(f).not.toMatch(/GROUP|ENV/);
  });

  it('enter connects to the selected server; j/k move; esc goes back; ? opens help', async () => {
    seedProfiles();
    const { app, calls } = real();
    await app.ready();
    await app.press(KEY.enter, 'j', KEY.enter, 'k', KEY.down, KEY.enter, 'G', 'g', KEY.enter, '?', KEY.esc);
    expect(calls).toEqual(['pick:lab', 'pick:prod', 'pick:prod', 'pick:lab', 'help', 'back']);
  });

  it('arrow keys and enter in one read act on the row the arrows reached', async () => {
    seedProfiles();
    const { app, calls } = real();
    await app.ready();
    await app.press(`${KEY.down}${KEY.enter}${KEY.up}${KEY.enter}`);
    expect(calls).toEqual(['pick:prod', 'pick:lab']);
  });

  it('says how to add one when nothing is saved', async () => {
    const { app } = real();
    await app.ready();
    expect(app.frame()).toContain('No saved servers yet. Press a to add one');
  });

  it('ignores keys while a dialog of the App has the keyboard', async () => {
    seedProfiles();
    const { app, calls } = real({ dialog: true });
    await app.ready();
    await app.press(KEY.enter, 'a', 'x', 'd', KEY.esc);
    expect(calls).toEqual(['dialog:false']);
    expect(app.frame()).not.toContain('Add a server');
  });

  it('read-only hides and refuses add, default and remove', async () => {
    const p = seedProfiles();
    const before = snapshotOf(p);
    const { app } = real({ readonly: true });
    await app.ready();
    expect(app.frame()).not.toMatch(/a add|x remove|d default/);
    await app.press('a', 'd', 'x', 'D');
    expect(app.frame()).not.toContain('Add a server');
    expect(app.frame()).not.toContain('Remove');
    expect(fs.readFileSync(file).equals(before.bytes)).toBe(true);
  });
});

describe('Hosts screen: add', () => {
  it('a small form, one field after another, saves the profile and selects it', async () => {
    seedProfiles();
    const { app, calls } = real();
    await app.ready();
    await app.press('a');
    expect(app.frame()).toContain('Add a server');
    expect(app.frame()).toContain('a short name for the server, used as --host NAME');
    await app.press('staging', KEY.enter);
    expect(app.frame()).toContain('name: staging');
    expect(app.frame()).toContain('[user@]host[:port], or a Host alias from your ssh_config');
    await app.press('deploy@127.0.0.1:22022', KEY.enter, '/run/opsdeck-lab/docker.sock', KEY.enter);
    expect(app.frame()).toContain('docker socket: /run/opsdeck-lab/docker.sock');
    await app.press('/srv/staging', KEY.enter);
    // The markings, skipped: enter on group, environment, colour and read-only.
    expect(app.frame()).toContain('the fleet it belongs to');
    await app.press(KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    const f = await app.waitFor((x) => !x.includes('Add a server'));
    expect(f).toMatch(/staging +deploy@127\.0\.0\.1:22022 +\/run\/opsdeck-lab\/docker\.sock +\/srv\/staging/);
    expect(f).toContain(`saved 'staging' (deploy@127.0.0.1:22022) in ${file}; t tests it`);
    expect(new ProfileStore({ configPath: file }).get('staging')).toEqual({
      name: 'staging',
      ssh: { host: '127.0.0.1', user: 'deploy', port: 22022 },
      socket: '/run/opsdeck-lab/docker.sock',
      compose: { directory: '/srv/staging' },
    });
    // The new server is selected: enter connects to it.
    await app.press(KEY.enter);
    expect(calls).toEqual(['pick:staging']);
  });

  it('an ssh_config alias with the optional fields skipped', async () => {
    const { app } = real();
    await app.ready();
    await app.press('a', 'lab', KEY.enter, 'opsdeck-lab', KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    await app.waitFor((x) => x.includes("saved 'lab' (opsdeck-lab)"));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ version: 1, profiles: { lab: { ssh: { host: 'opsdeck-lab' } } } });
  });

  it('bad input is one line under the field, the field can be fixed, and esc leaves the file as it was', async () => {
    const p = seedProfiles();
    const before = snapshotOf(p);
    const { app } = real();
    await app.ready();
    await app.press('a', 'my server', KEY.enter);
    let f = app.frame();
    expect(f).toContain('│ name: profile names use letters, digits, dot, dash and underscore');
    expect(f).toContain('name: my server');
    await app.press(KEY.ctrlU, 'prod', KEY.enter);
    expect(app.frame()).toContain("name: a server named 'prod' is already saved");
    await app.press(KEY.ctrlU, 'new', KEY.enter, 'h;rm -rf /', KEY.enter);
    f = app.frame();
    expect(f).toContain("destination: 'h;rm -rf /': 'h;rm -rf /' is not a valid host name");
    await app.press(KEY.ctrlU, 'deploy@h:0', KEY.enter);
    expect(app.frame()).toContain("destination: 'deploy@h:0': port must be a number from 1 to 65535");
    await app.press(KEY.ctrlU, 'deploy@h', KEY.enter, 'docker.sock', KEY.enter);
    expect(app.frame()).toContain('docker socket: must be an absolute path starting with /');
    await app.press(KEY.esc);
    f = await app.waitFor((x) => !x.includes('Add a server'));
    expect(f).toContain('prod');
    expect(f).not.toContain('new');
    expect(fs.readFileSync(file).equals(before.bytes)).toBe(true);
    expect(fs.statSync(file).mtimeMs).toBe(before.mtime);
  });
});

describe('Hosts screen: group, environment, colour, read-only', () => {
  it('the add form asks for them, tab goes through the colours, and the profile has them', async () => {
    const { app } = real();
    await app.ready();
    await app.press('a', 'shop-prod', KEY.enter, 'deploy@203.0.113.9', KEY.enter, KEY.enter, KEY.enter);
    await app.press('shop', KEY.enter);
    expect(app.frame()).toContain('group: shop');
    expect(app.frame()).toContain('production asks for the name to be typed');
    await app.press('production', KEY.enter);
    // The colour field: the hint bar offers tab; "ma" completes to magenta, tab again to the next colour.
    expect(app.frame()).toMatch(/⏎ next \/ save +⇥ next colour|next colour/);
    await app.press('ma', '\t');
    expect(app.frame()).toContain('colour: magenta');
    await app.press('\t');
    expect(app.frame()).toContain('colour: cyan');
    await app.press(KEY.enter);
    expect(app.frame()).toContain('read-only: ');
    await app.press('maybe', KEY.enter);
    expect(app.frame()).toContain('read-only: answer y (always open it read-only) or n');
    await app.press(KEY.ctrlU, 'y', KEY.enter);
    const f = await app.waitFor((x) => !x.includes('Add a server'));
    expect(f).toMatch(/shop-prod +deploy@203\.0\.113\.9 .* shop +production ro$/m);
    expect(f).toContain('ro opens read-only');
    expect(new ProfileStore({ configPath: file }).get('shop-prod')).toEqual({
      name: 'shop-prod',
      ssh: { host: '203.0.113.9', user: 'deploy' },
      group: 'shop',
      environment: 'production',
      colour: 'cyan',
      readonly: true,
    });
  });

  it('a bad group or colour is one line under its field, and nothing is saved until it is fixed', async () => {
    const { app } = real();
    await app.ready();
    await app.press('a', 'x', KEY.enter, 'h.example.org', KEY.enter, KEY.enter, KEY.enter, 'my shop', KEY.enter);
    expect(app.frame()).toContain('group: must be a group name such as shop');
    await app.press(KEY.ctrlU, 'shop', KEY.enter, KEY.enter, 'purple', KEY.enter);
    expect(app.frame()).toMatch(/colour: must be one of red, green/);
    expect(fs.existsSync(file)).toBe(false);
    await app.press(KEY.ctrlU, 'blue', KEY.enter, KEY.enter);
    await app.waitFor((x) => x.includes("saved 'x'"));
    expect(new ProfileStore({ configPath: file }).get('x')).toMatchObject({ group: 'shop', colour: 'blue' });
  });

  it('e edits the selected profile: the form starts from it, the name stays, what the form does not show is kept', async () => {
    const p = new ProfileStore({ configPath: file });
    p.add({ name: 'db', ssh: { host: 'db.example.org', user: 'deploy', identityFile: '~/.ssh/db', allowPassword: true }, compose: { directory: '/srv/db', projects: ['pg'] }, group: 'shop', colour: 'red' });
    const { app } = real();
    await app.ready();
    await app.press('e');
    let f = app.frame();
    expect(f).toContain('Edit db');
    expect(f).toContain('destination: deploy@db.example.org');
    await app.press(KEY.enter, KEY.enter, KEY.enter);
    expect(app.frame()).toContain('group: shop');
    await app.press(KEY.ctrlU, 'blog', KEY.enter, 'staging', KEY.enter, KEY.ctrlU, KEY.enter, KEY.enter);
    f = await app.waitFor((x) => !x.includes('Edit db'));
    expect(f).toContain(`saved 'db' (deploy@db.example.org) in ${file}`);
    expect(new ProfileStore({ configPath: file }).get('db')).toEqual({
      name: 'db',
      ssh: { host: 'db.example.org', user: 'deploy', identityFile: '~/.ssh/db', allowPassword: true },
      compose: { directory: '/srv/db', projects: ['pg'] },
      group: 'blog',
      environment: 'staging',
    });
  });

  it('read-only hides e', async () => {
    seedProfiles();
    const { app } = real({ readonly: true });
    await app.ready();
    await app.press('e');
    expect(app.frame()).not.toContain('Edit');
    expect(app.frame()).not.toMatch(/e edit/);
  });

  it("draws each name in its colour, production's red when it has none, and others plain", async () => {
    const p = new ProfileStore({ configPath: file });
    p.add({ name: 'blue-one', ssh: { host: 'a.example.org' }, colour: 'blue' });
    p.add({ name: 'prod-one', ssh: { host: 'b.example.org' }, environment: 'production' });
    p.add({ name: 'plain-one', ssh: { host: 'c.example.org' }, group: 'shop' });
    const store = new HostsStore({ configPath: file, env: { HOME: dir } });
    const app = mount(<Hosts hosts={store} actions={store.actions} width={120} height={30} color onPick={() => {}} onBack={() => {}} onHelp={() => {}} />);
    await app.ready();
    // Off the first row: the selection is drawn inverse, not in the row's colours.
    await app.press('j');
    const raw = app.raw();
    expect(raw).toMatch(/\u001b\[34mblue-one/);
    expect(raw).toMatch(/\u001b\[31mprod-one/);
    expect(raw).not.toMatch(/\u001b\[3\dmplain-one/);
    expect(app.frame()).toMatch(/GROUP +ENV/);
  });
});

describe('Hosts screen: default and remove', () => {
  it('d makes the selected server the default', async () => {
    const p = seedProfiles();
    const { app } = real();
    await app.ready();
    await app.press('d');
    await app.waitFor((f) => /^ \* lab +opsdeck-lab/m.test(f));
    expect(p.defaultName()).toBe('lab');
    expect(app.frame()).toContain("'lab' is the default");
  });

  it('x asks first: n keeps it, D then y removes it', async () => {
    const p = seedProfiles();
    const { app } = real({ connected: 'prod' });
    await app.ready();
    await app.press('j', 'x');
    let f = app.frame();
    expect(f).toContain("Remove 'prod' (deploy@203.0.113.9:2222)?");
    expect(flat(f)).toContain(`Deletes the saved profile from ${file}; the server, its known_hosts entry and your keys stay as they are. This session stays connected until you pick another server.`);
    await app.press('n');
    expect(app.frame()).not.toContain('Remove');
    expect(p.get('prod')).toBeDefined();
    await app.press('D', 'y');
    f = await app.waitFor((x) => x.includes("removed 'prod'"));
    expect(p.get('prod')).toBeUndefined();
    expect(f).toContain('Servers · 1 saved');
    expect(f).not.toMatch(/deploy@203/);
  });
});

describe('Hosts screen: a bad profile file', () => {
  it('shows the one-line error, never crashes, and never rewrites the file', async () => {
    const text = '{"profiles":{"a":{"ssh":{"host":"x","port":70000}}}}';
    fs.writeFileSync(file, text);
    const { app } = real();
    await app.ready();
    // Long lines wrap at the terminal's width; the message itself is one line.
    const f = app.frame().replace(/\n/g, ' ');
    expect(f).toContain(`${file}: profiles.a.ssh.port: must be a whole number from 1 to 65535 (found 70000)`);
    expect(f).toContain('Fix the file, then press r to read it again.');
    await app.press('a', 'd', 'x', 't', KEY.enter);
    expect(app.frame()).not.toContain('Add a server');
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    fs.writeFileSync(file, '{"profiles":{"a":{"ssh":{"host":"x","port":7000}}}}');
    await app.press('r');
    await app.waitFor((x) => /^ +a +x:7000/m.test(x));
  });
});

describe('Hosts screen: test results', () => {
  const report: DoctorReport = {
    target: { kind: 'ssh', label: 'prod', destination: 'deploy@203.0.113.9:2222', socketPath: '/var/run/docker.sock' },
    ok: false,
    steps: [
      { step: 'dns', title: 'name resolution', status: 'pass', detail: '203.0.113.9' },
      { step: 'tcp', title: 'TCP connection', status: 'pass', detail: 'connected in 12 ms' },
      { step: 'handshake', title: 'SSH handshake', status: 'pass', detail: 'SSH-2.0-OpenSSH_9.2p1' },
      { step: 'host-key', title: 'host key', status: 'pass', detail: 'ssh-ed25519 SHA256:abc matches known_hosts line 3' },
      { step: 'auth', title: 'authentication', status: 'pass', detail: 'publickey /home/me/.ssh/id_ed25519' },
      { step: 'docker-socket', title: 'Docker socket', status: 'fail', detail: 'permission denied: deploy cannot use /var/run/docker.sock (root:docker srw-rw----)', hint: 'Add the login user to the group that owns the socket. Be aware that docker group membership is root-equivalent.' },
      { step: 'engine', title: 'Docker Engine', status: 'skip', detail: 'skipped: the Docker socket is not reachable' },
      { step: 'compose', title: 'compose CLI', status: 'warn', detail: 'neither `docker compose` nor `docker-compose` runs on the server', hint: 'actions that run compose need it installed.' },
      { step: 'path', title: 'Docker API path', status: 'skip', detail: 'skipped: the Docker socket is not reachable' },
    ],
  };

  function fixture(tests: [string, HostTest][]) {
    const p = seedProfiles();
    const rows = p.list().map((x) => hostRow(x, 'prod', undefined));
    const store = valueStore<HostsSnapshot>({ path: file, rows, fileError: undefined, tests: new Map(tests), notice: undefined });
    const calls: string[] = [];
    const actions: HostsActions = {
      reload: () => calls.push('reload'),
      checkField: () => undefined,
      add: () => ({ ok: false, field: undefined, error: 'unused' }),
      edit: () => ({ ok: false, field: undefined, error: 'unused' }),
      remove: (n) => calls.push(`remove:${n}`),
      toggleDefault: (n) => calls.push(`default:${n}`),
      test: (n) => calls.push(`test:${n}`),
      clearNotice: () => {},
    };
    const app = mount(<Hosts hosts={store} actions={actions} width={100} height={40} color={false} onPick={() => {}} onBack={() => {}} onHelp={() => {}} />, { plain: true });
    return { app, calls, store };
  }

  it('t tests the selected server', async () => {
    const { app, calls } = fixture([]);
    await app.ready();
    await app.press('t', 'j', 't');
    expect(calls).toEqual(['test:lab', 'test:prod']);
  });

  it('shows each step with pass / fail / warn / skip, the fix for what failed, and the verdict', async () => {
    const { app } = fixture([['prod', { status: 'done', report }]]);
    await app.ready();
    // lab is selected first and has no result: its hint shows, not prod's steps.
    expect(app.frame()).toContain('t tests the path to lab');
    await app.press('j');
    const f = app.frame();
    expect(f).toContain('Test of prod (deploy@203.0.113.9:2222), Docker socket /var/run/docker.sock');
    expect(f).toMatch(/✓ name resolution +203\.0\.113\.9/);
    expect(f).toMatch(/✓ authentication +publickey \/home\/me\/\.ssh\/id_ed25519/);
    expect(flat(f)).toMatch(/✗ Docker socket +permission denied: deploy cannot use \/var\/run\/docker\.sock \(root:docker srw-rw----\)/);
    expect(flat(f)).toMatch(/fix: Add the login user to the group that owns the socket\. Be aware that docker group membership is root-equivalent\./);
    // Wrapped lines keep to their column instead of running back to the left edge.
    expect(f).toMatch(/^ {21}srw-rw----\)$/m);
    expect(f).toMatch(/^ {4}fix: Add the login user/m);
    expect(f).toMatch(/^ {4,5}is root-equivalent\.$/m);
    expect(f).toMatch(/- Docker Engine +skipped: the Docker socket is not reachable/);
    expect(f).toMatch(/! compose CLI +neither `docker compose` nor `docker-compose` runs on the server/);
    expect(f).toMatch(/fix: actions that run compose need it installed\./);
    expect(f).toContain('Some checks failed.');
    // The step titles line up.
    const cols = f.split('\n').filter((l) => /^ {2}[✓✗!-] /.test(l)).map((l) => l.search(/ {2}\S/g));
    expect(new Set(cols).size).toBe(1);
  });

  it('an all-pass report with a warning, a running test, and a test that could not start', async () => {
    const passing: DoctorReport = { ...report, ok: true, steps: report.steps.map((s) => (s.status === 'warn' ? s : { ...s, status: 'pass' as const, hint: undefined as never })) };
    const { app, store } = fixture([
      ['prod', { status: 'done', report: passing }],
      ['lab', { status: 'running' }],
    ]);
    await app.ready();
    expect(app.frame()).toContain('testing lab…');
    await app.press('j');
    expect(app.frame()).toContain('All checks passed (see the warnings).');
    expect(app.frame()).not.toContain('✗');
    store.set({ ...store.getSnapshot(), tests: new Map([['prod', { status: 'error', message: "/home/me/.ssh/config line 4: unknown keyword 'Hostname2'", hint: 'Fix the ssh_config line.' }]]) });
    const f = await app.waitFor((x) => x.includes('the test could not run'));
    expect(f).toContain("✗ prod: the test could not run: /home/me/.ssh/config line 4: unknown keyword 'Hostname2'");
    expect(f).toContain('fix: Fix the ssh_config line.');
  });
});
