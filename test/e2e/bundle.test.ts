import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_DIR, shippedNodeFlags } from '../../scripts/bundle.mjs';
import { requireLab } from '../lab/api.js';

// The bundle is what an operator copies to a server: one file (it unpacks its chunks into the
// user's cache on first run; test/e2e/single-file.test.ts covers that). It must run with no
// node_modules anywhere near it, so it is copied alone to an empty directory outside the
// repository before the checks; HOME is that directory, so its cache lands there too.
describe('the bundle', () => {
  let dir: string;
  beforeAll(() => {
    execFileSync('node', ['scripts/bundle.mjs'], { stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'opsdeck-bundle-'));
    copyFileSync('dist/opsdeck.mjs', join(dir, 'opsdeck.mjs'));
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(join(dir, CHUNK_DIR))).toBe(false);
    expect(existsSync('dist/opsdeck-chunks')).toBe(false);
  }, 60_000);

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(dir, 'opsdeck.mjs'), ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } });

  it('prints help and version from an empty directory', () => {
    const help = run('--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: opsdeck');
    const v = run('--version');
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^opsdeck \d+\.\d+\.\d+ \(([0-9a-f]{7}(-dirty)?|unknown)\)$/);
  });

  it('runs as ./opsdeck.mjs through its hashbang, which carries the Node options it ships with', () => {
    const first = readFileSync(join(dir, 'opsdeck.mjs'), 'utf8').split('\n', 1)[0];
    expect(first).toBe(`#!/usr/bin/env -S node ${shippedNodeFlags().join(' ')}`);
    expect(shippedNodeFlags()).toEqual(expect.arrayContaining(['--no-memory-reducer', '--single-threaded-gc', '--min-semi-space-size=4']));
    const r = spawnSync(join(dir, 'opsdeck.mjs'), ['--version'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^opsdeck \d+\.\d+\.\d+ \(([0-9a-f]{7}(-dirty)?|unknown)\)$/);
  });

  it('answers a bad command with one line, a hint and exit 2', () => {
    const r = run('nope');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('refuses the TUI without a terminal, with one line and a hint', () => {
    const r = run('--local', '--socket', '/nonexistent/docker.sock');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('the terminal UI needs an interactive terminal');
  });

  it('runs the terminal UI (ink, react, yoga from the bundle) on a pseudo-terminal and quits on q', async () => {
    // util-linux `script` gives the bundle a real pty; nothing is listening on the socket, so the
    // UI shows its "not connected" panel, which is enough to prove the whole TUI stack loads.
    const child = spawn('script', ['-qfec', `${process.execPath} opsdeck.mjs --local --socket /nonexistent/docker.sock`, '/dev/null'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('not connected') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('no Docker daemon answers at /nonexistent/docker.sock');
    child.stdin.write('q');
    expect(await exited).toBe(0);
  }, 30_000);

  it("loads ssh2's native crypto addon from beside its unpacked chunks when it talks SSH", async () => {
    // Without the addon ssh2 still works (pure JS through Node's crypto API, one decipher object
    // per packet), so only the addon's loading tells the two apart: a preload records every
    // native module the process opens while the bundle runs `status` against the lab over SSH.
    const lab = await requireLab();
    const record = join(dir, 'dlopen.txt');
    const preload = join(dir, 'record-dlopen.mjs');
    writeFileSync(
      preload,
      `import fs from 'node:fs';\nconst open = process.dlopen;\nprocess.dlopen = (m, file, ...rest) => { fs.appendFileSync(${JSON.stringify(record)}, file + '\\n'); return open(m, file, ...rest); };\n`,
    );
    const r = spawnSync(
      process.execPath,
      ['--import', preload, join(dir, 'opsdeck.mjs'), 'status', '--json', '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath],
      { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } },
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect([0, 1]).toContain(r.status);
    const opened = readFileSync(record, 'utf8').trim().split('\n');
    const [key, ...more] = readdirSync(join(dir, '.cache', 'opsdeck'));
    expect(more).toEqual([]);
    expect(opened).toContain(join(dir, '.cache', 'opsdeck', key!, CHUNK_DIR, 'crypto', 'build', 'Release', 'sshcrypto.node'));
  }, 60_000);
});
