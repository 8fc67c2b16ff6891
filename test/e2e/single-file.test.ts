import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { requireLab, type LabInfo } from '../lab/api.js';
import { startOnPty, waitForScreen } from '../support/pty-terminal.js';

// dist/opsdeck.mjs is the one file an operator copies to a server (`scp dist/opsdeck.mjs web-1:`):
// copied alone into an empty directory with no node_modules anywhere above it, run with a fresh
// home and cache (it unpacks itself), then again (the cache is warm), then with a cache file
// tampered with (rebuilt, never run).
describe('the single file, copied alone', () => {
  let lab: LabInfo;
  let dir: string;
  let bin: string;
  let home: string;
  let cache: string;
  beforeAll(async () => {
    lab = await requireLab();
    execFileSync('node', ['scripts/bundle.mjs'], { stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'opsdeck-single-'));
    for (let d = dir; ; d = dirname(d)) {
      expect(existsSync(join(d, 'node_modules')), `node_modules above ${dir}`).toBe(false);
      if (d === dirname(d)) break;
    }
    bin = join(dir, 'opsdeck.mjs');
    copyFileSync('dist/opsdeck.mjs', bin);
    expect(readdirSync(dir)).toEqual(['opsdeck.mjs']);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    home = join(dir, 'home');
    cache = join(dir, 'cache');
    mkdirSync(home);
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: cache, TERM: 'xterm-256color' });
  // Through its hashbang, as `./opsdeck.mjs` on a server: no `node` in front.
  const run = (...args: string[]) => spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: env(), timeout: 60_000 });
  const unpacked = () => {
    const keys = existsSync(join(cache, 'opsdeck')) ? readdirSync(join(cache, 'opsdeck')) : [];
    return keys.map((k) => join(cache, 'opsdeck', k));
  };
  const statusArgs = () => ['status', '--json', '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', join(dir, 'none.json')];

  async function theThree(label: string): Promise<void> {
    const help = run('--help');
    expect(help.stderr, label).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: opsdeck');
    const v = run('--version');
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^opsdeck \d+\.\d+\.\d+ \(([0-9a-f]{7}(-dirty)?|unknown)\)\n$/);

    // The lab has faults by design: exit 1, and the JSON says which.
    const s = run(...statusArgs());
    expect(s.stderr, label).toBe('');
    expect(s.status, label).toBe(1);
    const j = JSON.parse(s.stdout) as { schema: number; degraded: boolean; faults: { service: string }[]; projects: unknown[] };
    expect(j.schema).toBe(1);
    expect(j.degraded).toBe(true);
    expect(j.faults.map((f) => f.service)).toEqual(expect.arrayContaining(['mailer', 'search']));
    expect(j.projects.length).toBeGreaterThan(0);

    const t = startOnPty([bin, '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', join(dir, 'none.json')], { cols: 160, rows: 50, env: env() });
    try {
      await waitForScreen(t, `${label}: the grid never showed`, (x) => /connected/.test(x) && /postgres/.test(x) && /faulted/.test(x), 45_000);
      t.child.stdin.write('q');
      expect(await t.exited).toBe(0);
    } finally {
      if (t.child.exitCode === null) t.child.kill('SIGKILL');
    }
  }

  it('runs --help, --version, status --json and the TUI from an empty cache, unpacking itself once into a private directory', async () => {
    expect(unpacked()).toEqual([]);
    await theThree('cold');
    const [at, ...more] = unpacked();
    expect(more).toEqual([]);
    expect(statSync(join(cache, 'opsdeck')).mode & 0o777).toBe(0o700);
    expect(statSync(at!).mode & 0o777).toBe(0o700);
    expect(readdirSync(at!).sort()).toEqual(['.verified', 'opsdeck-chunks', 'opsdeck.mjs']);
    // Nothing written beside the file, and nothing left half-done in the cache.
    expect(readdirSync(dir).filter((f) => !['cache', 'home', 'none.json', 'opsdeck.mjs'].includes(f))).toEqual([]);
    expect(readdirSync(join(cache, 'opsdeck'))).toHaveLength(1);
  }, 180_000);

  it('runs the same three again from the warm cache without writing to it', async () => {
    const [at] = unpacked();
    const before = statSync(join(at!, '.verified')).mtimeMs;
    await theThree('warm');
    expect(unpacked()).toEqual([at]);
    expect(statSync(join(at!, '.verified')).mtimeMs).toBe(before);
  }, 180_000);

  it('finds a cache file that was tampered with, rebuilds the cache and runs what it carries', () => {
    const [at] = unpacked();
    const entry = join(at!, 'opsdeck.mjs');
    // Code that would run first if the tampered file were imported.
    appendFileSync(entry, '\nprocess.stdout.write("TAMPERED\\n");\n');
    const v = run('--version');
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    expect(v.stdout).not.toContain('TAMPERED');
    expect(readFileSync(entry, 'utf8')).not.toContain('TAMPERED');
    expect(unpacked()).toEqual([at]);
    expect(readdirSync(join(cache, 'opsdeck')).filter((n) => n.startsWith('.'))).toEqual([]);

    // A chunk changed in place, same size (a flipped byte): found too.
    const chunks = join(at!, 'opsdeck-chunks');
    const chunk = join(chunks, readdirSync(chunks).find((n) => n.endsWith('.mjs'))!);
    const original = readFileSync(chunk);
    const bad = Buffer.from(original);
    bad[bad.length - 2] = bad[bad.length - 2] === 0x20 ? 0x09 : 0x20;
    execFileSync('sh', ['-c', 'sleep 0.05 && cat > "$1"', 'sh', chunk], { input: bad });
    expect(statSync(chunk).size).toBe(original.length);
    const h = run('--help');
    expect(h.status).toBe(0);
    expect(readFileSync(chunk).equals(original)).toBe(true);
  }, 60_000);

  it('falls back to a private directory under the temporary directory when home and cache cannot be written', () => {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const r = spawnSync(process.execPath, [...shippedNodeFlags(), bin, '--version'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'no-such-home'), XDG_CACHE_HOME: join(dir, 'opsdeck.mjs', 'not-a-dir'), TMPDIR: tmp },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^opsdeck /);
    expect(existsSync(join(dir, 'no-such-home'))).toBe(false);
    const priv = join(tmp, `opsdeck-${process.getuid!()}`);
    expect(statSync(priv).mode & 0o777).toBe(0o700);
    expect(readdirSync(priv)).toHaveLength(1);
  });

  it('says in one line, with a hint, when it has nowhere private to unpack to (exit 2)', () => {
    const r = spawnSync(bin, ['--version'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: join(dir, 'no-such-home'), XDG_CACHE_HOME: '/proc/opsdeck-nope', TMPDIR: '/proc/opsdeck-nope' },
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^opsdeck: cannot unpack into a private cache directory \(/);
    expect(lines[1]).toMatch(/^hint: /);
  });
});
