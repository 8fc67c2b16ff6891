import React from 'react';
import { describe, it, expect } from 'vitest';
import { App, type AppSession, type AppSessionSnapshot, type HandOver } from '../../screens/App.js';
import type { GridSnapshot } from '../../src/model/grid-store.js';
import type { ServiceRow } from '../../src/model/grouping.js';
import type { ServiceAction } from '../../src/docker/service-actions.js';
import { ConnectionStore } from '../../src/transport/connection-store.js';
import { PromptStore } from '../../src/model/prompt-store.js';
import { mount, valueStore, KEY } from './harness.js';
import { gridSnapshot, NOW } from './grid-fixture.js';

function setup(opts: { phase?: 'ready' | 'connecting'; readonly?: boolean; grid?: GridSnapshot } = {}) {
  const connection = new ConnectionStore('deploy@web-1');
  connection.connected('streamlocal');
  const grid = valueStore<GridSnapshot>(opts.grid ?? gridSnapshot());
  const initial: AppSessionSnapshot =
    (opts.phase ?? 'ready') === 'ready' ? { phase: 'ready', label: 'deploy@web-1', connection, grid } : { phase: 'connecting', label: 'deploy@web-1', step: undefined };
  const store = valueStore<AppSessionSnapshot>(initial);
  const acted: { action: ServiceAction; service: string }[] = [];
  let retried = 0;
  const session: AppSession = {
    ...store,
    prompts: new PromptStore(),
    readonly: opts.readonly ?? false,
    retry: () => void retried++,
    act: async (action: ServiceAction, row: ServiceRow) => {
      acted.push({ action, service: row.service });
      return { ok: true, message: `${action} done for ${row.service}` };
    },
    recreateCommand: (row: ServiceRow) => `docker compose --project-directory /srv/shop -p shop up -d --no-deps --force-recreate ${row.service}`,
  };
  const handOvers: HandOver[] = [];
  const app = mount(<App session={session} color={false} now={() => NOW} onHandOver={(h) => handOvers.push(h)} />, { plain: true });
  return { app, connection, grid, store, session, acted, handOvers, retried: () => retried };
}

describe('the service grid', () => {
  it('shows projects, services, health, restarts and resources against limits', async () => {
    const { app } = setup();
    await app.ready();
    const f = app.frame();
    expect(f).toContain('opsdeck · deploy@web-1');
    expect(f).toContain('connected (streamlocal)');
    expect(f).toContain('Engine 24.0.7');
    expect(f).toMatch(/SERVICE\s+STATE\s+HEALTH\s+RESTARTS/);
    expect(f).toMatch(/^shop/m);
    expect(f).toMatch(/api\s+> running/);
    expect(f).toContain('(no compose project)');
  });

  it('follows the stores: reconnecting, then a stale grid is marked as stale', async () => {
    const { app, connection, grid } = setup();
    await app.ready();
    connection.reconnecting(2, 4000);
    grid.set(gridSnapshot([], { stale: true }));
    await app.waitFor((f) => /reconnecting, attempt 2, next in [34]s/.test(f) && f.includes('STALE'));
  });

  it('filters with a regex, inverts with !, and clears with esc', async () => {
    const { app } = setup();
    await app.ready();
    await app.press('/', 'r', 'e', 'd', 'i', 's', KEY.enter);
    let f = app.frame();
    expect(f).toContain('filter: /redis');
    expect(f).toMatch(/redis/);
    expect(f).not.toMatch(/^\s+api\s/m);
    await app.press('/', KEY.ctrlU, '!', 'r', 'e', 'd', 'i', 's', KEY.enter);
    f = app.frame();
    expect(f).toMatch(/^\s+api\s/m);
    expect(f).not.toMatch(/^\s+redis\s/m);
    await app.press(KEY.esc);
    f = app.frame();
    expect(f).toMatch(/^\s+api\s/m);
    expect(f).toMatch(/redis/);
  });

  it('keeps the selection and the filter across the help and details screens', async () => {
    const { app } = setup();
    await app.ready();
    await app.press('j', 'j', KEY.enter);
    const details = app.frame();
    expect(details).not.toMatch(/SERVICE\s+STATE/);
    await app.press(KEY.esc, '?');
    await app.waitFor((f) => f.includes('Service details'));
    await app.press(KEY.esc, KEY.enter);
    expect(app.frame()).toBe(details);
    await app.press(KEY.esc, '/', 'r', 'e', 'd', 'i', 's', KEY.enter, '?');
    await app.waitFor((f) => f.includes('Service details'));
    await app.press(KEY.esc);
    expect(app.frame()).toContain('filter: /redis');
    expect(app.frame()).not.toMatch(/^\s+api\s/m);
  });

  it('shows only faulted services with ctrl-z', async () => {
    const { app, grid } = setup();
    await app.ready();
    const faulted = grid.getSnapshot().verdict.faults.map((x) => x.service);
    expect(faulted.length).toBeGreaterThan(0);
    await app.press(KEY.ctrlZ);
    const f = app.frame();
    expect(f).toContain('faulted only');
    for (const s of faulted) expect(f).toContain(s);
    expect(f).not.toMatch(/^\s+caddy\s/m);
  });

  it('asks before restarting, naming the target, and acts only on yes', async () => {
    const { app, acted } = setup();
    await app.ready();
    await app.press('/', 'c', 'a', 'd', 'd', 'y', KEY.enter, 'r');
    await app.waitFor((f) => f.includes('Restart shop/caddy (1 container)?'));
    await app.press('n');
    await app.waitFor((f) => f.includes('cancelled'));
    expect(acted).toEqual([]);
    await app.press('r');
    await app.waitFor((f) => f.includes('Restart shop/caddy'));
    await app.press('y');
    await app.waitFor((f) => f.includes('restart done for caddy'));
    expect(acted).toEqual([{ action: 'restart', service: 'caddy' }]);
  });

  it('shows the exact recreate command before running it', async () => {
    const { app } = setup();
    await app.ready();
    await app.press('/', 'c', 'a', 'd', 'd', 'y', KEY.enter, 'R');
    await app.waitFor((f) => f.includes('--force-recreate caddy'));
  });

  it('in read-only mode hides actions from the hints and refuses them', async () => {
    const { app, acted } = setup({ readonly: true });
    await app.ready();
    expect(app.frame()).toContain('read-only');
    const hints = app.frame().trimEnd().split('\n').at(-1)!;
    expect(hints).toContain('details');
    expect(hints).not.toMatch(/restart|stop\/start|shell/);
    await app.press('r');
    await app.waitFor((f) => f.includes('read-only: restart is disabled'));
    await app.press('x');
    expect(acted).toEqual([]);
  });

  it('opens the service detail with masked environment and goes back with esc', async () => {
    const { app } = setup();
    await app.ready();
    await app.press('/', '^', 'a', 'p', 'i', '$', KEY.enter, KEY.enter);
    const f = await app.waitFor((x) => x.includes('Containers'));
    expect(f).toContain('shop/api');
    await app.press('G');
    const end = app.frame();
    expect(end).toContain('Environment');
    expect(end).toContain('••••••');
    await app.press(KEY.esc);
    await app.waitFor((x) => /SERVICE\s+STATE/.test(x));
  });

  it('hands the terminal over for a shell in the first running container', async () => {
    const { app, handOvers } = setup();
    await app.ready();
    await app.press('/', 'c', 'a', 'd', 'd', 'y', KEY.enter, 'x');
    expect(handOvers).toHaveLength(1);
    expect(handOvers[0]).toMatchObject({ kind: 'shell', label: expect.stringMatching(/caddy/) });
  });

  it('command mode completes with tab and runs :help', async () => {
    const { app } = setup();
    await app.ready();
    await app.press(':', 'h', 'e');
    await app.waitFor((f) => f.includes('tab: help'));
    await app.press('\t');
    await app.waitFor((f) => /^:help\s*$/m.test(f) && !f.includes('tab: help'));
    await app.press(KEY.enter);
    const help = await app.waitFor((f) => f.includes('Key bindings'));
    expect(help).toContain('filter services by regex');
    expect(help).toContain(':logs');
    await app.press(KEY.esc);
    await app.waitFor((f) => /SERVICE\s+STATE/.test(f));
    await app.press(':', 'b', 'o', 'g', 'u', 's', KEY.enter);
    await app.waitFor((f) => f.includes('unknown command :bogus'));
  });

  it('asks about an unknown host key and passes the answer to the transport', async () => {
    const { app, session } = setup({ phase: 'connecting' });
    await app.ready();
    const answer = (session.prompts as PromptStore).confirmUnknownHostKey({ host: '127.0.0.1', port: 22022, keyType: 'ssh-ed25519', fingerprintSHA256: 'SHA256:abc', knownHostsFile: '/tmp/kh' });
    const f = await app.waitFor((x) => x.includes('SHA256:abc'));
    expect(f).toContain("'[127.0.0.1]:22022'");
    await app.press('y');
    await expect(answer).resolves.toBe(true);
  });

  it('reads a passphrase masked: the frame never shows it, and esc cancels', async () => {
    const { app, session } = setup({ phase: 'connecting' });
    const prompts = session.prompts as PromptStore;
    await app.ready();
    const first = prompts.askSecret({ kind: 'passphrase', prompt: 'Passphrase for key' });
    await app.waitFor((f) => f.includes('Passphrase for key'));
    await app.press('h', 'u', 'n', 't', 'e', 'r', '2');
    expect(app.frame()).toContain('•••••••');
    expect(app.frame()).not.toContain('hunter');
    await app.press(KEY.enter);
    const secret = await first;
    expect(secret?.toString()).toBe('hunter2');
    const second = prompts.askSecret({ kind: 'passphrase', prompt: 'Passphrase again' });
    await app.waitFor((f) => f.includes('Passphrase again'));
    await app.press('x', KEY.esc);
    await expect(second).resolves.toBeNull();
  });

  it('shows a failed connection with its hint and retries on r', async () => {
    const { app, store, retried } = setup({ phase: 'connecting' });
    await app.ready();
    store.set({ phase: 'failed', label: 'deploy@web-1', message: 'connection refused by 127.0.0.1:22022', hint: 'Is sshd running?' });
    await app.waitFor((f) => f.includes('connection refused') && f.includes('Is sshd running?'));
    await app.press('r');
    expect(retried()).toBe(1);
  });

  it('says when a server waits for its disk passphrase and offers the unlock', async () => {
    const { app, store, session } = setup({ phase: 'connecting' });
    let opened = 0;
    session.openUnlock = async () => {
      opened++;
      throw new Error('unlock screen opened');
    };
    await app.ready();
    store.set({ phase: 'failed', label: 'deploy@web-1', message: 'connection refused', hint: undefined, locked: 'web-1 is waiting for its disk passphrase' });
    const f = await app.waitFor((x) => x.includes('web-1 is waiting for its disk passphrase'));
    expect(f).toContain('u unlock disk');
    await app.press('u');
    await app.waitFor((x) => x.includes('unlock screen opened'));
    expect(opened).toBe(1);
  });

  it('does not offer the unlock when the server is simply down', async () => {
    const { app, store } = setup({ phase: 'connecting' });
    await app.ready();
    store.set({ phase: 'failed', label: 'deploy@web-1', message: 'connection refused', hint: undefined, locked: undefined });
    const f = await app.waitFor((x) => x.includes('connection refused'));
    expect(f).not.toContain('unlock disk');
  });

  it('opens the saved servers with :hosts and hands over a switch when one is picked', async () => {
    const { app, session, handOvers } = setup();
    const { HostsStore } = await import('../../src/model/hosts-store.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join((await import('node:os')).tmpdir(), 'opsdeck-hosts-'));
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ version: 1, profiles: { web2: { ssh: { host: 'web-2.example', user: 'deploy' } } } }));
    session.openHosts = async () => {
      const store = new HostsStore({ configPath, env: {} });
      return { store, actions: store.actions };
    };
    await app.ready();
    await app.press(':', 'h', 'o', 's', 't', 's', KEY.enter);
    await app.waitFor((f) => f.includes('web2'));
    await app.press(KEY.enter);
    expect(handOvers).toEqual([{ kind: 'switch', host: 'web2' }]);
  });

  it('opens logs with l on a service and with :logs, and backups with :backups', async () => {
    const { app, session } = setup();
    const asked: string[][] = [];
    session.openLogs = async (words) => {
      asked.push([...words]);
      throw new Error(`logs for ${words.join(' ')}`);
    };
    session.openBackups = async () => {
      throw new Error('backups opened');
    };
    await app.ready();
    await app.press('/', 'c', 'a', 'd', 'd', 'y', KEY.enter, 'l');
    await app.waitFor((f) => f.includes('logs for shop/caddy'));
    await app.press(':', 'l', 'o', 'g', 's', ' ', 'a', 'p', 'i', ' ', '-', '-', 'l', 'e', 'v', 'e', 'l', ' ', 'e', 'r', 'r', 'o', 'r', KEY.enter);
    await app.waitFor((f) => f.includes('logs for api --level error'));
    expect(asked).toEqual([['shop/caddy'], ['api', '--level', 'error']]);
    await app.press(':', 'b', 'a', 'c', 'k', 'u', 'p', 's', KEY.enter);
    await app.waitFor((f) => f.includes('backups opened'));
  });
});
