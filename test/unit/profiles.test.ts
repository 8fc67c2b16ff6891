import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore, profileStorePath } from '../../src/config/profile-store.js';
import { UserError } from '../../src/errors.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-profiles-'));
  file = path.join(dir, 'config.json');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('where the store lives', () => {
  it('--config beats OPSDECK_CONFIG beats the XDG config dir', () => {
    expect(profileStorePath({ configPath: '/a/b.json', env: { OPSDECK_CONFIG: '/c.json' } })).toBe('/a/b.json');
    expect(profileStorePath({ env: { OPSDECK_CONFIG: '/c.json' } })).toBe('/c.json');
    expect(profileStorePath({ env: { XDG_CONFIG_HOME: '/xdg', HOME: '/h' } })).toBe('/xdg/opsdeck/config.json');
    expect(profileStorePath({ env: { HOME: '/h' } })).toBe('/h/.config/opsdeck/config.json');
  });
});

describe('profile store', () => {
  it('adds, lists, shows, sets the default and removes', () => {
    const store = new ProfileStore({ configPath: file });
    expect(store.list()).toEqual([]);
    expect(fs.existsSync(file)).toBe(false);
    store.add({ name: 'prod', ssh: { host: 'prod.example.com', user: 'deploy', port: 2222 }, socket: '/run/user/1000/docker.sock', compose: { directory: '/srv/app', projects: ['app'] } }, { makeDefault: true });
    store.add({ name: 'box', local: true });
    expect(store.list().map((p) => p.name)).toEqual(['box', 'prod']);
    expect(store.get('prod')).toMatchObject({ name: 'prod', ssh: { port: 2222 }, compose: { projects: ['app'] } });
    expect(store.defaultName()).toBe('prod');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ version: 1, defaultProfile: 'prod' });
    expect(() => store.add({ name: 'prod', local: true })).toThrow(/already exists/);
    expect(store.remove('prod')).toBe(true);
    expect(store.remove('prod')).toBe(false);
    expect(store.defaultName()).toBeUndefined();
  });

  it('creates the directories it needs 0700, whatever the umask', () => {
    const nested = path.join(dir, 'config', 'opsdeck', 'config.json');
    const old = process.umask(0o022);
    try {
      new ProfileStore({ configPath: nested }).add({ name: 'box', local: true });
    } finally {
      process.umask(old);
    }
    expect(fs.statSync(path.dirname(nested)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'config')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(nested).mode & 0o777).toBe(0o600);
  });

  it('validates before writing', () => {
    const store = new ProfileStore({ configPath: file });
    expect(() => store.add({ name: 'bad name!', local: true })).toThrow(/profile name 'bad name!'/);
    expect(() => store.add({ name: 'p', ssh: { host: 'h', port: 70000 } })).toThrow(/ssh\.port: must be a whole number from 1 to 65535/);
    expect(() => store.add({ name: 'p', ssh: { host: 'h; rm -rf /' } })).toThrow(/ssh\.host/);
    expect(() => store.add({ name: 'p' })).toThrow(/needs exactly one of "ssh"/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('reading a valid hand-written file does not rewrite it', () => {
    const text = '{"profiles":{"a":{"ssh":{"host":"a.example"}}}}';
    fs.writeFileSync(file, text);
    const store = ProfileStore.open({ configPath: file });
    expect(store.list().map((p) => p.name)).toEqual(['a']);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('an empty file is an empty store', () => {
    fs.writeFileSync(file, '');
    expect(new ProfileStore({ configPath: file }).list()).toEqual([]);
  });
});

describe('bad files: one line naming file, field and problem; the file is never rewritten', () => {
  const cases: [string, string, RegExp][] = [
    ['unparsable JSON', '{"profiles": {"a": {"ssh": {"host": "x"}},}}', /: not valid JSON: .* at line 1, column \d+$/],
    ['wrong type at the top', '[1,2]', /: \(top level\): expected object, received array \(found \[1,2\]\)$/],
    ['wrong type of a field', '{"profiles":{"a":{"ssh":{"host":"x","port":"22"}}}}', /: profiles\.a\.ssh\.port: must be a whole number from 1 to 65535 \(found "22"\)$/],
    ['bad port', '{"profiles":{"a":{"ssh":{"host":"x","port":0}}}}', /: profiles\.a\.ssh\.port: must be a whole number from 1 to 65535 \(found 0\)$/],
    ['unknown key', '{"profiles":{"a":{"ssh":{"host":"x"},"sockett":"/x"}}}', /: profiles\.a\.sockett: unknown field \(did you mean 'socket'\?\)$/],
    ['unknown top-level key', '{"profile":{}}', /: profile: unknown field \(did you mean 'profiles'\?\)$/],
    ['bad profile name', '{"profiles":{"no spaces":{"local":true}}}', /: profiles\."no spaces": profile names use letters/],
    ['dangling default', '{"defaultProfile":"gone","profiles":{}}', /: defaultProfile: names a profile that does not exist$/],
    ['relative socket path', '{"profiles":{"a":{"local":true,"socket":"docker.sock"}}}', /: profiles\.a\.socket: must be an absolute path/],
  ];
  for (const [what, text, re] of cases) {
    it(what, () => {
      fs.writeFileSync(file, text);
      const before = fs.readFileSync(file);
      const mtime = fs.statSync(file).mtimeMs;
      const e = errorOf(() => ProfileStore.open({ configPath: file }));
      expect(e.message.startsWith(`${file}: `)).toBe(true);
      expect(e.message).toMatch(re);
      expect(e.message).not.toContain('\n');
      expect(e.exitCode).toBe(2);
      expect(e.hint).toMatch(/never rewrites/);
      // Any write attempt fails the same way, before touching the file.
      const store = new ProfileStore({ configPath: file });
      expect(() => store.add({ name: 'new', local: true })).toThrow(UserError);
      expect(() => store.remove('a')).toThrow(UserError);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      expect(fs.statSync(file).mtimeMs).toBe(mtime);
      expect(fs.readdirSync(dir)).toEqual(['config.json']);
    });
  }
});
