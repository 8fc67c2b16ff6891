import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { brotliCompressSync } from 'node:zlib';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PAYLOAD_MARK,
  STAMP,
  cacheKey,
  cacheRoots,
  contentHash,
  ensureRoot,
  install,
  readPayload,
  unpackedDir,
  usable,
  verifyDir,
} from '../../scripts/single-file-cache.mjs';
import { manifestOf } from '../../scripts/single-file.mjs';

const uid = process.getuid?.();
const files = () => [
  { path: 'opsdeck.mjs', data: Buffer.from('import "./opsdeck-chunks/a.mjs";\n') },
  { path: 'opsdeck-chunks/a.mjs', data: Buffer.from('export const a = 1;\n') },
  { path: 'opsdeck-chunks/crypto/build/Release/sshcrypto.node', data: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]) },
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-unit-single-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the single file's cache key and manifest", () => {
  it('names a build by its readable version and 16 hex digits of its content hash', () => {
    const m = manifestOf(files(), '0.1.0');
    expect(m.key).toBe(`0.1.0-${m.hash.slice(0, 16)}`);
    expect(m.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(m.entry).toBe('opsdeck.mjs');
    expect(m.files.map((f) => f.size)).toEqual([33, 20, 8]);
    expect(cacheKey('../../etc 1', 'ab'.repeat(32))).toBe('.._.._etc_1-abababababababab');
    expect(cacheKey('', 'cd'.repeat(32))).toBe('unknown-cdcdcdcdcdcdcdcd');
  });

  it('changes the hash when a byte, a name, or where one file ends and the next begins changes', () => {
    const base = contentHash(files());
    const byte = files();
    byte[1]!.data[0] = 0x45;
    const name = files();
    name[1]!.path = 'opsdeck-chunks/b.mjs';
    const moved = [
      { path: 'x', data: Buffer.from('ab') },
      { path: 'y', data: Buffer.from('c') },
    ];
    const moved2 = [
      { path: 'x', data: Buffer.from('a') },
      { path: 'y', data: Buffer.from('bc') },
    ];
    expect(new Set([base, contentHash(byte), contentHash(name)]).size).toBe(3);
    expect(contentHash(moved)).not.toBe(contentHash(moved2));
    expect(contentHash(files())).toBe(base);
  });

  it('looks in $XDG_CACHE_HOME (absolute only), then ~/.cache, then a directory of this user under the temporary directory', () => {
    expect(cacheRoots({ XDG_CACHE_HOME: '/x/cache' }, '/home/ops', '/tmp', 1000).map((r) => r.dir)).toEqual([
      '/x/cache/opsdeck',
      '/home/ops/.cache/opsdeck',
      '/tmp/opsdeck-1000',
    ]);
    expect(cacheRoots({ XDG_CACHE_HOME: 'relative' }, '/home/ops', '/tmp', 0).map((r) => r.dir)).toEqual(['/home/ops/.cache/opsdeck', '/tmp/opsdeck-0']);
    expect(cacheRoots({ XDG_CACHE_HOME: '/home/ops/.cache' }, '/home/ops', '/tmp', 0).map((r) => r.dir)).toEqual(['/home/ops/.cache/opsdeck', '/tmp/opsdeck-0']);
    expect(cacheRoots({}, '', '/tmp', 5).map((r) => r.dir)).toEqual(['/tmp/opsdeck-5']);
  });
});

describe("the single file's cache directory", () => {
  it('is created 0700, and refused when someone else may write to it or it is a symlink', () => {
    const root = { dir: join(dir, 'cache', 'opsdeck'), create: join(dir, 'cache') };
    ensureRoot(root, uid);
    expect(readdirSync(root.dir)).toEqual([]);
    chmodSync(root.dir, 0o777);
    expect(() => ensureRoot(root, uid)).toThrow(/not a private directory/);
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, join(dir, 'link'));
    expect(() => ensureRoot({ dir: join(dir, 'link') }, uid)).toThrow(/not a private directory/);
    // a home that is not there is never created
    expect(() => ensureRoot({ dir: join(dir, 'nohome', '.cache', 'opsdeck'), create: join(dir, 'nohome', '.cache'), mustExist: join(dir, 'nohome') }, uid)).toThrow();
    expect(existsSync(join(dir, 'nohome'))).toBe(false);
    // Where mkdir says ENOENT under a parent that exists (Node 20's recursive mkdirSync spun
    // forever there): an error, at once.
    expect(() => ensureRoot({ dir: '/proc/opsdeck-nope/opsdeck', create: '/proc/opsdeck-nope' }, uid)).toThrow(/ENOENT/);
  });

  it('is written whole, checked, stamped, and a tampered, half-written or foreign-writable copy is never used', async () => {
    const m = manifestOf(files(), '0.1.0');
    const final = install(dir, m, files(), uid);
    expect(final).toBe(join(dir, m.key));
    expect(readdirSync(dir)).toEqual([m.key]); // no temporary directory left behind
    expect(usable(final, m, uid)).toBe(true);
    expect(existsSync(join(final, STAMP))).toBe(true);

    // Same size, other bytes: the stamp no longer matches (change time) and the full check fails.
    // (The kernel's file times tick every few milliseconds: let one pass, as any real edit would.)
    await new Promise((r) => setTimeout(r, 30));
    writeFileSync(join(final, 'opsdeck-chunks/a.mjs'), 'export const a = 2;\n');
    expect(verifyDir(final, m, uid)).toBe(false);
    expect(usable(final, m, uid)).toBe(false);
    // Installing again replaces the tampered copy.
    expect(install(dir, m, files(), uid)).toBe(final);
    expect(readFileSync(join(final, 'opsdeck-chunks/a.mjs'), 'utf8')).toBe('export const a = 1;\n');
    expect(usable(final, m, uid)).toBe(true);

    // A missing stamp (a copied cache) is checked in full and stamped again.
    rmSync(join(final, STAMP));
    expect(usable(final, m, uid)).toBe(true);
    expect(existsSync(join(final, STAMP))).toBe(true);

    // Cut short: a file missing.
    rmSync(join(final, 'opsdeck-chunks/crypto/build/Release/sshcrypto.node'));
    expect(usable(final, m, uid)).toBe(false);
    install(dir, m, files(), uid);
    expect(usable(final, m, uid)).toBe(true);

    // Writable by others.
    chmodSync(final, 0o777);
    expect(usable(final, m, uid)).toBe(false);
  });

  it('refuses to install files that do not match the manifest', () => {
    const m = manifestOf(files(), '0.1.0');
    const bad = files();
    bad[0]!.data = Buffer.from('import "./opsdeck-chunks/b.mjs";\n');
    expect(() => install(dir, m, bad, uid)).toThrow(/do not match/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("the single file's payload", () => {
  const single = (m: ReturnType<typeof manifestOf>, body: Buffer) =>
    ['#!/usr/bin/env node', `const manifest = ${JSON.stringify(m)}; // ${PAYLOAD_MARK.trim()} in code is not the payload`, `${PAYLOAD_MARK}${brotliCompressSync(body).toString('base64')}\n*/`, ''].join('\n');

  it('unpacks the files it carries, and unpackedDir writes them once and then reuses them', () => {
    const m = manifestOf(files(), '0.1.0');
    const self = join(dir, 'opsdeck.mjs');
    writeFileSync(self, single(m, Buffer.concat(files().map((f) => f.data))));
    expect(readPayload(self, m).map((f) => [f.path, Buffer.from(f.data).toString('hex')])).toEqual(files().map((f) => [f.path, f.data.toString('hex')]));

    const home = join(dir, 'home');
    mkdirSync(home);
    const env = { XDG_CACHE_HOME: join(dir, 'xdg') };
    const at = unpackedDir({ self, manifest: m, env, home, tmp: dir, uid });
    expect(at).toBe(join(dir, 'xdg', 'opsdeck', m.key));
    expect(usable(at, m, uid)).toBe(true);
    // a read-only or unusable XDG dir: falls back to ~/.cache
    writeFileSync(join(dir, 'xdg-file'), '');
    expect(unpackedDir({ self, manifest: m, env: { XDG_CACHE_HOME: join(dir, 'xdg-file') }, home, tmp: dir, uid })).toBe(join(home, '.cache', 'opsdeck', m.key));
  });

  it('says so when the payload is cut short or does not match', () => {
    const m = manifestOf(files(), '0.1.0');
    const self = join(dir, 'opsdeck.mjs');
    writeFileSync(self, single(m, Buffer.from('short')));
    expect(() => readPayload(self, m)).toThrow(/does not match its manifest/);
    writeFileSync(self, '#!/usr/bin/env node\n');
    expect(() => readPayload(self, m)).toThrow(/carries no payload/);
    expect(() => unpackedDir({ self, manifest: m, env: {}, home: '', tmp: dir, uid })).toThrow(/cannot unpack into a private cache directory/);
  });
});
