import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completionWords, sshConfigAliases, type WordsOptions } from '../../src/cli/completion/completion-words.js';
import { builtinRunbooks } from '../../src/runbook/catalogue.js';
import { runCli } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'opsdeck-words-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const home = join(dir, 'home');
mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
const store = join(dir, 'config', 'config.json');
mkdirSync(join(dir, 'config', 'runbooks'), { recursive: true });

// A hand-edited store: opsdeck would refuse to load it, completion still offers the good names.
writeFileSync(
  store,
  JSON.stringify({
    version: 1,
    profiles: {
      prod: { ssh: { host: 'prod.example.com' }, group: 'shop' },
      staging: { local: true, group: 'shop' },
      'bad name': { local: true },
      '$(touch pwned)': { local: true },
      "it's": { local: true },
      'esc\u001b[31m': { local: true },
      db: { local: true, group: 'x y' },
    },
  }),
);

writeFileSync(
  join(home, '.ssh', 'config'),
  [
    'Host web-1 db-1',
    '  HostName staging.example.com',
    'Host *.internal !bastion web-?',
    'Host "quoted alias" $(id) `id` a;b',
    'Host "unterminated',
    'Host -oProxyCommand=evil',
    'host deploy@web-2 fe80::1',
    'Include conf.d/*.conf',
    'Include ~/.ssh/config',
    'Match host web-1',
    '  User deploy',
  ].join('\n'),
);
writeFileSync(join(home, '.ssh', 'conf.d', 'a.conf'), 'Host inc-1\n');
writeFileSync(join(home, '.ssh', 'conf.d', 'b.conf'), 'Host inc-2 *\n');
writeFileSync(join(home, '.ssh', 'conf.d', 'skip.txt'), 'Host not-included\n');
const explicit = join(dir, 'other_ssh_config');
writeFileSync(explicit, 'Host other-1\nInclude conf.d/a.conf\n');
const system = join(dir, 'etc_ssh_config');
writeFileSync(system, 'Host sys-1\nHost *\n  SendEnv LANG\n');

writeFileSync(
  join(dir, 'config', 'runbooks', 'my-fix.md'),
  '---\nrunbook: my-fix\ntitle: Mine\n---\n\n# Mine\n\n```sh step=look kind=check\nuptime\n```\n',
);
writeFileSync(join(dir, 'config', 'runbooks', 'broken.md'), '---\nrunbook: Not An Id\n---\n');

const env = { HOME: home, XDG_CONFIG_HOME: join(dir, 'xdg') };
const opts: WordsOptions = { env, configPath: store, systemSshConfig: system };

describe('completion words', () => {
  it('offers profile names and groups, never one a shell would have to quote', async () => {
    expect(await completionWords('profiles', opts)).toEqual(['db', 'prod', 'staging']);
    expect(await completionWords('groups', opts)).toEqual(['shop']);
  });

  it('offers ssh_config Host aliases: no patterns, negations or unsafe words; Include followed (once per loop level)', () => {
    const names = sshConfigAliases(opts);
    expect([...new Set(names)].sort()).toEqual(['db-1', 'deploy@web-2', 'fe80::1', 'inc-1', 'inc-2', 'sys-1', 'web-1']);
  });

  it('reads only the --ssh-config file (and its includes) when one is given, as ssh -F', () => {
    expect(sshConfigAliases({ ...opts, sshConfigPath: explicit }).sort()).toEqual(['inc-1', 'other-1']);
    expect(sshConfigAliases({ ...opts, sshConfigPath: join(dir, 'missing') })).toEqual([]);
  });

  it('offers hosts as profiles and aliases together, sorted, each once', async () => {
    expect(await completionWords('hosts', opts)).toEqual(['db', 'db-1', 'deploy@web-2', 'fe80::1', 'inc-1', 'inc-2', 'prod', 'staging', 'sys-1', 'web-1']);
  });

  it('offers the shipped runbooks and the operator’s own, not a broken file', async () => {
    const ids = await completionWords('runbooks', opts);
    for (const r of builtinRunbooks()) expect(ids).toContain(r.id);
    expect(ids).toContain('my-fix');
    expect(ids.some((i) => /not|an|id/i.test(i) && !builtinRunbooks().some((b) => b.id === i) && i !== 'my-fix')).toBe(false);
  });

  it('gives no words, and no error, for a store that is not JSON or not there', async () => {
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(await completionWords('profiles', { ...opts, configPath: join(dir, 'bad.json') })).toEqual([]);
    expect(await completionWords('profiles', { ...opts, configPath: join(dir, 'none.json') })).toEqual([]);
  });
});

describe('opsdeck completion --words', () => {
  const cliEnv = { ...env, PATH: process.env.PATH ?? '' };

  it('prints one safe word a line, honouring --config and --ssh-config', async () => {
    const r = await runCli(['completion', '--words', 'hosts', '--config', store, '--ssh-config', explicit], cliEnv);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe('db\ninc-1\nother-1\nprod\nstaging\n');
  });

  it('refuses a kind it does not know', async () => {
    const r = await runCli(['completion', '--words', 'secrets'], cliEnv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--words takes one of hosts, profiles, groups, runbooks/);
  });

  it('prints a script per shell, and refuses anything else', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell], cliEnv);
      expect(r.code, shell).toBe(0);
      expect(r.out, shell).toContain('opsdeck completion --words');
    }
    const bad = await runCli(['completion', 'tcsh'], cliEnv);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unexpected argument 'tcsh'.*bash, zsh, fish/);
    const none = await runCli(['completion'], cliEnv);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/name a shell/);
  });
});
