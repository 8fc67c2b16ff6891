import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../src/config/profile-store.js';
import { MAX_FLEET_SIZE, isFleetRequest, resolveFleet } from '../../src/fleet/fleet-members.js';
import { resolveTarget } from '../../src/transport/target.js';

let home: string;
let env: NodeJS.ProcessEnv;
let configPath: string;
let store: ProfileStore;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-fleet-'));
  fs.mkdirSync(path.join(home, '.ssh'));
  env = { HOME: home };
  configPath = path.join(home, 'config.json');
  store = new ProfileStore({ configPath });
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const resolve = (flags: Parameters<typeof resolveFleet>[0]) => resolveFleet({ config: configPath, ...flags }, env, { systemSshConfig: null });

describe('isFleetRequest', () => {
  it('is --group, or --host with a comma', () => {
    expect(isFleetRequest({ group: 'shop' })).toBe(true);
    expect(isFleetRequest({ host: 'a,b' })).toBe(true);
    expect(isFleetRequest({ host: 'a' })).toBe(false);
    expect(isFleetRequest({})).toBe(false);
    expect(isFleetRequest({ local: true })).toBe(false);
  });
});

describe('--group', () => {
  beforeEach(() => {
    store.add({ name: 'web-1', ssh: { host: 'web.example', user: 'deploy' }, group: 'shop', environment: 'production' });
    store.add({ name: 'db-1', ssh: { host: 'db.example', port: 2200 }, group: 'shop' });
    store.add({ name: 'staging-1', ssh: { host: 'staging.example' }, group: 'shop', colour: 'yellow' });
    store.add({ name: 'blog', ssh: { host: 'blog.example' }, group: 'side' });
    store.add({ name: 'lonely', ssh: { host: 'lonely.example' } });
  });

  it('takes every profile of the group in profile-name order, read from the store file', async () => {
    const fleet = await resolve({ group: 'shop' });
    expect(fleet.map((m) => m.name)).toEqual(['db-1', 'staging-1', 'web-1']);
    expect(fleet[0]!.target).toMatchObject({ kind: 'ssh', host: 'db.example', port: 2200, label: 'db-1' });
    expect(fleet[2]!.profile).toMatchObject({ name: 'web-1', environment: 'production', group: 'shop' });
    expect(fleet[1]!.profile?.colour).toBe('yellow');
  });

  it('resolves each member exactly as a single --host of that profile would', async () => {
    const fleet = await resolve({ group: 'shop', socket: '/run/d.sock' });
    for (const m of fleet) {
      expect(m.target).toEqual(await resolveTarget({ config: configPath, host: m.name, socket: '/run/d.sock' }, env, { systemSshConfig: null }));
    }
  });

  it('an unknown group is one line naming the groups that exist', async () => {
    const err = await resolve({ group: 'shp' }).then(() => new Error('resolved'), (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('--group shp: no saved profile is in that group (groups that exist: shop, side)');
    expect(err.message).not.toContain('\n');
  });

  it('says so when no profile has a group, or there is no store at all', async () => {
    await expect(resolveFleet({ group: 'shop', config: path.join(home, 'none.json') }, env, { systemSshConfig: null })).rejects.toThrow(/no saved profile has a group/);
  });

  it('is refused together with --host, with --local, or empty', async () => {
    await expect(resolve({ group: 'shop', host: 'web-1' })).rejects.toThrow(/--group and --host/);
    await expect(resolve({ group: 'shop', local: true })).rejects.toThrow(/--local/);
    await expect(resolve({ group: ' ' })).rejects.toThrow(/--group needs a value/);
  });
});

describe('--host a,b,c', () => {
  it('resolves each word as a profile, an ssh_config alias or user@host[:port], in the order given', async () => {
    store.add({ name: 'web-1', ssh: { host: 'web.example', user: 'deploy' } });
    fs.writeFileSync(path.join(home, 'ssh_config'), 'Host dbalias\n  HostName db.internal\n  Port 2201\n  User pg\n');
    const fleet = await resolve({ host: 'web-1, dbalias ,ops@db.example.com:2222', 'ssh-config': path.join(home, 'ssh_config') });
    expect(fleet.map((m) => m.name)).toEqual(['web-1', 'dbalias', 'ops@db.example.com:2222']);
    expect(fleet[0]).toMatchObject({ target: { host: 'web.example', user: 'deploy' }, profile: { name: 'web-1' } });
    expect(fleet[1]).toMatchObject({ target: { host: 'db.internal', port: 2201, user: 'pg' }, profile: undefined });
    expect(fleet[2]!.target).toMatchObject({ host: 'db.example.com', port: 2222, user: 'ops', label: 'ops@db.example.com:2222' });
  });

  it('refuses empty words and duplicates', async () => {
    await expect(resolve({ host: 'a,,b' })).rejects.toThrow(/empty server name/);
    await expect(resolve({ host: 'a,b,' })).rejects.toThrow(/empty server name/);
    await expect(resolve({ host: 'a,b,a' })).rejects.toThrow(/'a' is named twice/);
  });

  it(`takes at most ${MAX_FLEET_SIZE} servers`, async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.example`).join(',');
    expect(await resolve({ host: many(MAX_FLEET_SIZE) })).toHaveLength(MAX_FLEET_SIZE);
    await expect(resolve({ host: many(MAX_FLEET_SIZE + 1) })).rejects.toThrow(/at most 32/);
  });

  it('a bad word is the one-line error a single --host would give', async () => {
    await expect(resolve({ host: 'good.example,bad;rm' })).rejects.toThrow(/'bad;rm' is not a valid host name/);
  });
});

describe('single-server commands', () => {
  it('a comma in a single --host is a one-line error, not a silent pick', async () => {
    const err = await resolveTarget({ host: 'a,b' }, env, { store, systemSshConfig: null }).then(() => new Error('resolved'), (e: unknown) => e as Error);
    expect(err.message).toBe('--host a,b: names several servers; this command takes one');
    expect(err.message).not.toContain('\n');
  });
});
