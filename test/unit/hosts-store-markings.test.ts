import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostsStore, checkHostField, editedProfile, inputFromProfile, nextColour } from '../../src/model/hosts-store.js';
import { ProfileStore } from '../../src/config/profile-store.js';
import { PROFILE_COLOURS } from '../../src/config/profile-schema.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-hosts-marks-'));
  file = path.join(dir, 'config.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the form checks the markings with the schema', () => {
  it('takes empty as not set, and good values', () => {
    for (const f of ['group', 'environment', 'colour', 'readonly'] as const) expect(checkHostField(f, '')).toBeUndefined();
    expect(checkHostField('group', 'shop')).toBeUndefined();
    expect(checkHostField('environment', 'production')).toBeUndefined();
    expect(checkHostField('colour', 'magentaBright')).toBeUndefined();
    for (const yn of ['y', 'YES', 'n', 'no']) expect(checkHostField('readonly', yn)).toBeUndefined();
  });
  it('refuses bad ones in one line naming the field', () => {
    expect(checkHostField('group', 'my shop')).toMatch(/^group: must be a group name such as shop/);
    expect(checkHostField('environment', '-prod')).toMatch(/^environment: must be a word such as production/);
    expect(checkHostField('colour', 'purple')).toBe(`colour: must be one of ${PROFILE_COLOURS.join(', ')}`);
    expect(checkHostField('readonly', 'sometimes')).toBe('read-only: answer y (always open it read-only) or n');
  });
});

describe('nextColour (tab in the colour field)', () => {
  it('completes what is typed, goes on from a whole name, and wraps round', () => {
    expect(nextColour('')).toBe('red');
    expect(nextColour('ma')).toBe('magenta');
    expect(nextColour('magenta')).toBe('cyan');
    expect(nextColour('MAGENTABRIGHT')).toBe('cyanBright');
    expect(nextColour('cyanBright')).toBe('red');
    expect(nextColour('zzz')).toBe('red');
  });
});

describe('editedProfile', () => {
  it('replaces what the form shows and keeps what it does not', () => {
    const saved = {
      name: 'db',
      ssh: { host: 'db.example.org', user: 'deploy', identityFile: '~/.ssh/db', allowPassword: true },
      socket: '/run/docker.sock',
      compose: { directory: '/srv/db', projects: ['pg'] },
      backup: { database: 'shop' },
      group: 'shop',
      colour: 'red' as const,
      readonly: true,
    };
    const input = { ...inputFromProfile(saved as never), destination: 'ops@db2.example.org:2200', socket: '', group: '', colour: 'blue', readonly: 'n', environment: 'production' };
    expect(editedProfile(saved as never, input)).toEqual({
      name: 'db',
      ssh: { host: 'db2.example.org', user: 'ops', port: 2200, identityFile: '~/.ssh/db', allowPassword: true },
      compose: { directory: '/srv/db', projects: ['pg'] },
      backup: { database: 'shop' },
      environment: 'production',
      colour: 'blue',
    });
  });
  it('a local profile stays local', () => {
    const saved = { name: 'here', local: true as const, group: 'shop' };
    expect(editedProfile(saved, { ...inputFromProfile(saved), group: 'blog' })).toEqual({ name: 'here', local: true, group: 'blog' });
  });
});

describe('HostsStore edit', () => {
  it('saves over the profile through the file schema, and refuses a bad field leaving the file as it was', () => {
    new ProfileStore({ configPath: file }).add({ name: 'web', ssh: { host: 'web.example.org' }, compose: { projects: ['shop'] } });
    const h = new HostsStore({ configPath: file, env: { HOME: dir } });
    const before = fs.readFileSync(file);
    expect(h.actions.edit('web', { name: 'web', destination: 'web.example.org', colour: 'pink' })).toEqual({ ok: false, field: 'colour', error: expect.stringMatching(/^colour: must be one of/) });
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(h.actions.edit('web', { name: 'web', destination: 'web.example.org', group: 'shop', colour: 'green', readonly: 'y' })).toEqual({ ok: true, name: 'web' });
    expect(new ProfileStore({ configPath: file }).get('web')).toEqual({ name: 'web', ssh: { host: 'web.example.org' }, compose: { projects: ['shop'] }, group: 'shop', colour: 'green', readonly: true });
    expect(h.getSnapshot().rows[0]).toMatchObject({ group: 'shop', colour: 'green', readonly: true });
    expect(h.getSnapshot().notice?.text).toMatch(/^saved 'web'/);
  });
  it('a profile removed meanwhile is said, not recreated', () => {
    new ProfileStore({ configPath: file }).add({ name: 'gone', ssh: { host: 'a.example.org' } });
    const h = new HostsStore({ configPath: file, env: { HOME: dir } });
    new ProfileStore({ configPath: file }).remove('gone');
    expect(h.actions.edit('gone', { name: 'gone', destination: 'a.example.org' })).toEqual({ ok: false, field: undefined, error: "'gone' is not saved any more" });
    expect(new ProfileStore({ configPath: file }).get('gone')).toBeUndefined();
  });
});
