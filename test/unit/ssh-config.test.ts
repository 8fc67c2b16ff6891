import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateSshConfig, expandPath, loadSshConfig, parseSshConfigText, splitArgs } from '../../src/config/ssh-config.js';
import { matchPatternList } from '../../src/config/host-pattern.js';
import { UserError } from '../../src/errors.js';

let home: string;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-sshcfg-'));
  fs.mkdirSync(path.join(home, '.ssh'));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

function write(rel: string, text: string): string {
  const p = path.join(home, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

function lookup(host: string, user?: string) {
  const loaded = loadSshConfig({ userFile: path.join(home, '.ssh', 'config'), home, systemFile: null });
  return evaluateSshConfig(loaded, host, { ...(user ? { user } : {}), localUser: 'me' });
}

describe('host patterns', () => {
  it('matches * and ? and is case-insensitive', () => {
    expect(matchPatternList('web1.example.com', ['*.example.com'])).toBe(true);
    expect(matchPatternList('WEB1.EXAMPLE.COM', ['*.example.com'])).toBe(true);
    expect(matchPatternList('web1', ['web?'])).toBe(true);
    // ? is exactly one character (the ssh-config package's glob treats it as "zero or one").
    expect(matchPatternList('web', ['web?'])).toBe(false);
    expect(matchPatternList('web12', ['web?'])).toBe(false);
  });
  it('a negated match vetoes the list; only negations never match', () => {
    expect(matchPatternList('db.example.com', ['*.example.com', '!db.example.com'])).toBe(false);
    expect(matchPatternList('web.example.com', ['*.example.com', '!db.example.com'])).toBe(true);
    expect(matchPatternList('anything', ['!db'])).toBe(false);
  });
});

describe('tokenising', () => {
  it('splits arguments like argv_split, with quotes and = separators', () => {
    expect(splitArgs('"/path/with space/key" other')).toEqual(['/path/with space/key', 'other']);
    expect(splitArgs("a 'b c' d")).toEqual(['a', 'b c', 'd']);
    expect(splitArgs('a # comment')).toEqual(['a']);
    expect(splitArgs('"unterminated')).toEqual({ error: 'unterminated quoted string' });
    const lines = parseSshConfigText('Host=foo\n  HostName = 192.0.2.1\n# c\n\nPort\t2222\n', 'f');
    expect(lines.map((l) => [l.key, l.args, l.line])).toEqual([
      ['host', ['foo'], 1],
      ['hostname', ['192.0.2.1'], 2],
      ['port', ['2222'], 5],
    ]);
  });
  it('keeps a ProxyCommand line whole', () => {
    const [l] = parseSshConfigText('ProxyCommand ssh -W "%h:%p" jump\n', 'f');
    expect(l!.rest).toBe('ssh -W "%h:%p" jump');
  });
  it('reports an unterminated quote with file and line', () => {
    expect(() => parseSshConfigText('Host a\n IdentityFile "oops\n', '/x/config')).toThrow(/\/x\/config:2: IdentityFile: unterminated/);
  });
});

describe('evaluation', () => {
  it('first obtained value wins, IdentityFile accumulates', () => {
    write(
      '.ssh/config',
      [
        'Host prod',
        '  HostName 203.0.113.5',
        '  User deploy',
        '  IdentityFile ~/.ssh/prod_key',
        'Host *',
        '  User nobody',
        '  Port 2222',
        '  IdentityFile ~/.ssh/id_ed25519',
        '  ServerAliveInterval 20',
        '  ConnectTimeout 7',
        '',
      ].join('\n'),
    );
    const c = lookup('prod');
    expect(c.hostName).toBe('203.0.113.5');
    expect(c.user).toBe('deploy');
    expect(c.port).toBe(2222);
    expect(c.identityFiles).toEqual(['~/.ssh/prod_key', '~/.ssh/id_ed25519']);
    expect(c.serverAliveIntervalSeconds).toBe(20);
    expect(c.connectTimeoutSeconds).toBe(7);
    expect(c.where.hostname).toMatch(/config:2$/);
    const other = lookup('other');
    expect(other.user).toBe('nobody');
    expect(other.hostName).toBeUndefined();
  });

  it('honours negated Host patterns', () => {
    write('.ssh/config', 'Host *.corp !bastion.corp\n  ProxyJump bastion.corp\nHost *\n  StrictHostKeyChecking accept-new\n');
    expect(lookup('app.corp').proxyJump).toBe('bastion.corp');
    expect(lookup('bastion.corp').proxyJump).toBeUndefined();
    expect(lookup('bastion.corp').strictHostKeyChecking).toBe('accept-new');
  });

  it('ProxyJump and ProxyCommand: whichever comes first wins; none disables', () => {
    write('.ssh/config', 'Host a\n  ProxyCommand nc %h %p\nHost a b\n  ProxyJump j1,j2\nHost c\n  ProxyJump none\nHost *\n  ProxyJump j3\n');
    expect(lookup('a').proxyCommand).toBe('nc %h %p');
    expect(lookup('a').proxyJump).toBeUndefined();
    expect(lookup('b').proxyJump).toBe('j1,j2');
    expect(lookup('c').proxyJump).toBeUndefined();
  });

  it('follows Include with globs, relative to ~/.ssh, in sorted order', () => {
    write('.ssh/config', 'Include conf.d/*.conf\nHost *\n  User fallback\n');
    write('.ssh/conf.d/20-b.conf', 'Host box\n  HostName second\n  Port 2200\n');
    write('.ssh/conf.d/10-a.conf', 'Host box\n  HostName first\n');
    write('.ssh/conf.d/ignored.txt', 'Host box\n  HostName never\n');
    const c = lookup('box');
    expect(c.hostName).toBe('first');
    expect(c.port).toBe(2200);
    expect(c.user).toBe('fallback');
  });

  it('an Include inside a non-matching Host block matches nothing', () => {
    write('.ssh/config', 'Host other\n  Include ~/.ssh/inner.conf\nHost target\n  User t\n');
    write('.ssh/inner.conf', 'Host *\n  Port 1234\n');
    expect(lookup('target').port).toBeUndefined();
    expect(lookup('other').port).toBe(1234);
  });

  it('Match host / user / all; Match exec is never run', () => {
    write(
      '.ssh/config',
      ['Match exec "touch /tmp/opsdeck-should-not-exist"', '  Port 1111', 'Host alias', '  HostName real.example', 'Match host real.example user ops', '  Port 2222', 'Match all', '  Port 3333', ''].join('\n'),
    );
    fs.rmSync('/tmp/opsdeck-should-not-exist', { force: true });
    expect(lookup('alias', 'ops').port).toBe(2222);
    expect(lookup('alias', 'other').port).toBe(3333);
    expect(fs.existsSync('/tmp/opsdeck-should-not-exist')).toBe(false);
    expect(lookup('alias').warnings.join()).toMatch(/Match exec/);
  });

  it('a bad Port names the file and line', () => {
    const file = write('.ssh/config', 'Host x\n  Port 99999\n');
    let err: unknown;
    try {
      lookup('x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`${file}:2: Port must be a number from 1 to 65535, got '99999'`);
  });

  it('StrictHostKeyChecking values, including off = no', () => {
    write('.ssh/config', 'Host a\n StrictHostKeyChecking off\nHost b\n StrictHostKeyChecking yes\nHost c\n StrictHostKeyChecking maybe\n');
    expect(lookup('a').strictHostKeyChecking).toBe('no');
    expect(lookup('b').strictHostKeyChecking).toBe('yes');
    expect(() => lookup('c')).toThrow(/StrictHostKeyChecking must be/);
  });

  it('a missing ~/.ssh/config is fine; a missing --ssh-config file is an error', () => {
    expect(lookup('x').identityFiles).toEqual([]);
    expect(() => loadSshConfig({ userFile: path.join(home, 'nope'), userFileExplicit: true, home })).toThrow(/cannot read ssh config .*nope: no such file/);
  });

  it('reads the system file after the user file, but not with an explicit -F file', () => {
    write('.ssh/config', 'Host a\n  User fromuser\n');
    const sys = write('etc/ssh_config', 'Host *\n  User fromsystem\n  Port 2020\n');
    const loaded = loadSshConfig({ userFile: path.join(home, '.ssh', 'config'), home, systemFile: sys });
    const c = evaluateSshConfig(loaded, 'a', { localUser: 'me' });
    expect(c.user).toBe('fromuser');
    expect(c.port).toBe(2020);
    const explicit = loadSshConfig({ userFile: path.join(home, '.ssh', 'config'), userFileExplicit: true, home, systemFile: sys });
    expect(evaluateSshConfig(explicit, 'a', { localUser: 'me' }).port).toBeUndefined();
  });

  it('expands ~ and %-tokens in paths', () => {
    const ctx = { host: 'real.example', originalHost: 'alias', port: 2222, remoteUser: 'deploy', localUser: 'me', home: '/home/me' };
    expect(expandPath('~/.ssh/id_%h_%r', ctx)).toBe('/home/me/.ssh/id_real.example_deploy');
    expect(expandPath('%d/keys/%n-%p-%u %%', ctx)).toBe('/home/me/keys/alias-2222-me %');
    expect(expandPath('.ssh/rel', ctx)).toBe('/home/me/.ssh/rel');
  });
});
