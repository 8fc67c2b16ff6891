import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import {
  algorithmsForKeyType,
  appendKnownHostsLine,
  checkHostKey,
  entryMatchesName,
  fingerprintSHA256,
  formatKnownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from '../../src/config/known-hosts.js';

// Made with: ssh-keygen -t ed25519; a known_hosts line for [127.0.0.1]:22022; ssh-keygen -H; ssh-keygen -lf.
const VECTOR_KEY_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAID0U9ViQZNI0w4c/xLQCTzscBzMM1GhwNhPPx+5L6Tq3';
const VECTOR_HASHED = '|1|aIAQATeA+gFrGByiGDufQRKKzvU=|7aSK2PzcLXYMMLx0EAV3/eYg9Lg= ssh-ed25519 ' + VECTOR_KEY_B64;
const VECTOR_HASHED_WEB1 = '|1|76PgX3VAV45k0JZMPrD6LW3yP7g=|/XsgQEBG1+CYzYIyZcl7Vry/NQ8= ssh-ed25519 ' + VECTOR_KEY_B64;
const VECTOR_HASHED_WEB1_2222 = '|1|F45ZVqT1JiExrnHPxGB6OBX3fLY=|EPLi8k5H5qo1aly2qf0rVzf3i2g= ssh-ed25519 ' + VECTOR_KEY_B64;
const VECTOR_FP = 'SHA256:65uZksUf/zeHYrjExTX6l+mMjx9z/vX5LAv2HvrvgyY';

function newKey(type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): Buffer {
  const opts = type === 'rsa' ? { bits: 2048 } : type === 'ecdsa' ? { bits: 256 } : {};
  const pair = ssh2.utils.generateKeyPairSync(type, opts as never);
  return Buffer.from(pair.public.split(' ')[1]!, 'base64');
}

describe('fingerprints', () => {
  it('prints SHA256 like ssh-keygen -lf', () => {
    expect(fingerprintSHA256(Buffer.from(VECTOR_KEY_B64, 'base64'))).toBe(VECTOR_FP);
  });
});

describe('host names', () => {
  it('uses [host]:port for non-default ports', () => {
    expect(knownHostsName('example.com', 22)).toBe('example.com');
    expect(knownHostsName('127.0.0.1', 22022)).toBe('[127.0.0.1]:22022');
  });
  it('matches a hashed entry written by ssh-keygen -H', () => {
    const { entries, problems } = parseKnownHosts(VECTOR_HASHED + '\n', 'kh');
    expect(problems).toEqual([]);
    expect(entryMatchesName(entries[0]!, '[127.0.0.1]:22022')).toBe(true);
    expect(entryMatchesName(entries[0]!, '127.0.0.1')).toBe(false);
    expect(entryMatchesName(entries[0]!, '[127.0.0.1]:22')).toBe(false);
  });
  it('lower-cases the name like ssh(1), so a hashed entry for web1.example.com matches Web1.Example.com', () => {
    // ssh-keygen -H of "web1.example.com …" and "[web1.example.com]:2222 …" (the vector key above).
    const text = `${VECTOR_HASHED_WEB1}\n${VECTOR_HASHED_WEB1_2222}\n`;
    const { entries } = parseKnownHosts(text, 'kh');
    expect(knownHostsName('Web1.Example.com', 22)).toBe('web1.example.com');
    expect(knownHostsName('Web1.Example.com', 2222)).toBe('[web1.example.com]:2222');
    expect(entryMatchesName(entries[0]!, knownHostsName('Web1.Example.com', 22))).toBe(true);
    expect(entryMatchesName(entries[0]!, 'WEB1.EXAMPLE.COM')).toBe(true);
    expect(entryMatchesName(entries[1]!, knownHostsName('WEB1.example.COM', 2222))).toBe(true);
    // Another key offered under the mixed-case name is a changed key, never an unknown one.
    expect(checkHostKey(entries, knownHostsName('Web1.Example.com', 22), newKey()).status).toBe('changed');
    expect(checkHostKey(entries, 'Web1.Example.com', Buffer.from(VECTOR_KEY_B64, 'base64')).status).toBe('known');
  });
  it('records names lower-cased, plain or hashed, so ssh finds them too', () => {
    const key = newKey();
    expect(formatKnownHostsLine('[Web1.Example.com]:2222', key).split(' ')[0]).toBe('[web1.example.com]:2222');
    const { entries } = parseKnownHosts(formatKnownHostsLine('Web1.Example.com', key, { hash: true }), 'kh');
    const h = crypto.createHmac('sha1', entries[0]!.hashed!.salt).update('web1.example.com').digest();
    expect(h.equals(entries[0]!.hashed!.hash)).toBe(true);
  });
  it('matches comma lists, wildcards and negations in plain entries', () => {
    const k = newKey().toString('base64');
    const { entries } = parseKnownHosts(`web.example.com,192.0.2.5 ssh-ed25519 ${k}\n*.corp,!db.corp ssh-ed25519 ${k}\n`, 'kh');
    expect(entryMatchesName(entries[0]!, '192.0.2.5')).toBe(true);
    expect(entryMatchesName(entries[0]!, 'WEB.example.com')).toBe(true);
    expect(entryMatchesName(entries[1]!, 'app.corp')).toBe(true);
    expect(entryMatchesName(entries[1]!, 'db.corp')).toBe(false);
  });
});

describe('checkHostKey', () => {
  const ed = newKey('ed25519');
  const ed2 = newKey('ed25519');
  const ec = newKey('ecdsa');
  const name = '[srv]:2222';

  it('known when any of several keys matches', () => {
    const text = `${formatKnownHostsLine(name, ed2)}\n${formatKnownHostsLine(name, ed)}\n`;
    const { entries } = parseKnownHosts(text, '/kh');
    const v = checkHostKey(entries, name, ed);
    expect(v).toMatchObject({ status: 'known', entry: { file: '/kh', line: 2 } });
  });

  it('changed when keys of the offered type exist but none matches', () => {
    const { entries } = parseKnownHosts(`# comment\n${formatKnownHostsLine(name, ed2, { hash: true })}\n`, '/kh');
    const v = checkHostKey(entries, name, ed);
    expect(v.status).toBe('changed');
    if (v.status === 'changed') expect(v.expected.map((e) => e.line)).toEqual([2]);
  });

  it('unknown when only other key types are known (and those are what we pin)', () => {
    const { entries } = parseKnownHosts(`${formatKnownHostsLine(name, ec)}\n`, '/kh');
    expect(checkHostKey(entries, name, ed).status).toBe('unknown');
    expect(knownKeyTypes(entries, name)).toEqual(['ecdsa-sha2-nistp256']);
    expect(knownKeyTypes(entries, '[other]:2222')).toEqual([]);
  });

  it('revoked keys are refused whatever else matches', () => {
    const text = `${formatKnownHostsLine(name, ed)}\n@revoked * ssh-ed25519 ${ed.toString('base64')}\n`;
    const { entries } = parseKnownHosts(text, '/kh');
    expect(checkHostKey(entries, name, ed)).toMatchObject({ status: 'revoked', entry: { line: 2 } });
  });

  it('does not count @cert-authority lines as host keys', () => {
    const { entries } = parseKnownHosts(`@cert-authority * ssh-ed25519 ${ed2.toString('base64')}\n`, '/kh');
    expect(checkHostKey(entries, name, ed).status).toBe('unknown');
  });

  it('reports malformed lines and never matches them', () => {
    const { entries, problems } = parseKnownHosts(`srv ssh-ed25519 notbase64!!\nsrv\n@weird srv ssh-ed25519 ${ed.toString('base64')}\n`, '/kh');
    expect(entries).toEqual([]);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^\/kh:1:/);
  });
});

describe('writing', () => {
  it('appends OpenSSH lines (plain or hashed) and says which line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-kh-'));
    try {
      const file = path.join(dir, 'sub', 'known_hosts');
      const key = newKey();
      expect(appendKnownHostsLine(file, formatKnownHostsLine('[h]:2222', key))).toBe(1);
      fs.appendFileSync(file, '# no newline at the end');
      expect(appendKnownHostsLine(file, formatKnownHostsLine('[h]:2222', key, { hash: true }))).toBe(3);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      expect(lines[0]).toBe(`[h]:2222 ssh-ed25519 ${key.toString('base64')}`);
      expect(lines[2]).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
      const { entries } = parseKnownHosts(fs.readFileSync(file, 'utf8'), file);
      expect(entries.map((e) => checkHostKey([e], '[h]:2222', key).status)).toEqual(['known', 'known']);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('maps ssh-rsa to the rsa-sha2 algorithms', () => {
    expect(algorithmsForKeyType('ssh-rsa')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(algorithmsForKeyType('ssh-ed25519')).toEqual(['ssh-ed25519']);
  });
});
