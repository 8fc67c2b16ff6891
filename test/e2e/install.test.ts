import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireLab, type LabInfo } from '../lab/api.js';
import { startOnPty, waitForScreen } from '../support/pty-terminal.js';

// What a user does: `npm install -g ./opsdeck-VERSION.tgz` (or `npx` it). The tarball is packed
// here as `npm pack` does it (its prepack script builds the bundle), installed into a temporary
// prefix with nothing fetched (offline, an empty npm cache: the bundle carries every dependency),
// and run from there.
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string; bin: Record<string, string> };
const SHIPS = ['README.md', 'dist/opsdeck.mjs', 'package.json'];

describe('the npm package', () => {
  let lab: LabInfo;
  let dir: string;
  let tgz: string;
  let prefix: string;
  let home: string;
  beforeAll(async () => {
    lab = await requireLab();
    dir = mkdtempSync(join(tmpdir(), 'opsdeck-install-'));
    // The prepack script's own output (the bundle's line) comes first on stdout.
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const packed = JSON.parse(out.slice(out.search(/^\[/m))) as { filename: string }[];
    tgz = join(dir, packed[0]!.filename);
    expect(packed[0]!.filename).toBe(`${pkg.name}-${pkg.version}.tgz`);
    prefix = join(dir, 'prefix');
    home = join(dir, 'home');
    mkdirSync(home);
  }, 600_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const npmEnv = () => ({ ...process.env, HOME: home, npm_config_cache: join(dir, 'npm-cache'), npm_config_update_notifier: 'false' });
  const env = () => ({ PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: home, TERM: 'xterm-256color' });
  const opsdeck = (...args: string[]) => spawnSync('opsdeck', args, { cwd: dir, encoding: 'utf8', env: env(), timeout: 60_000 });

  it('ships only what it runs: the bundle, the README and package.json, with no runtime dependencies', () => {
    expect(pkg.bin.opsdeck).toBe('dist/opsdeck.mjs');
    const dry = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { files: { path: string }[] }[];
    expect(dry[0]!.files.map((f) => f.path).sort()).toEqual(SHIPS);
    const inTarball = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(inTarball).toEqual(SHIPS.map((f) => `package/${f}`));
    const shipped = JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(shipped.dependencies ?? {}).toEqual({});
    expect(shipped.bin).toEqual({ opsdeck: 'dist/opsdeck.mjs' });
  });

  it('installs with npm install -g --prefix, offline with an empty npm cache, and puts opsdeck on PATH', () => {
    const r = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tgz], { cwd: dir, encoding: 'utf8', env: npmEnv(), timeout: 120_000 });
    expect(r.stderr).not.toMatch(/ERR!/);
    expect(r.status).toBe(0);
    const link = join(prefix, 'bin', 'opsdeck');
    expect(readlinkSync(link)).toContain('dist/opsdeck.mjs');
    expect(realpathSync(link)).toBe(join(prefix, 'lib', 'node_modules', pkg.name, 'dist', 'opsdeck.mjs'));
    expect(existsSync(join(prefix, 'lib', 'node_modules', pkg.name, 'node_modules'))).toBe(false);
  }, 180_000);

  it('runs opsdeck --help and --version from the prefix', () => {
    const help = opsdeck('--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: opsdeck');
    const v = opsdeck('--version');
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^opsdeck ${pkg.version.replace(/\./g, '\\.')} \\(([0-9a-f]{7}(-dirty)?|unknown)\\)\\n$`));
  });

  it('runs opsdeck status --json against the lab (exit 1: the lab has faults by design)', () => {
    const s = opsdeck('status', '--json', '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', join(dir, 'none.json'));
    expect(s.stderr).toBe('');
    expect(s.status).toBe(1);
    const j = JSON.parse(s.stdout) as { schema: number; server: string; degraded: boolean; faults: { service: string; reasons: string[] }[] };
    expect(j.schema).toBe(1);
    expect(j.degraded).toBe(true);
    expect(j.faults.find((f) => f.service === 'search')?.reasons).toContain('unhealthy');
  });

  it('runs the TUI on a pty until the grid shows, and quits on q', async () => {
    const t = startOnPty([join(prefix, 'bin', 'opsdeck'), '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', join(dir, 'none.json')], {
      cols: 160,
      rows: 50,
      env: env(),
    });
    try {
      const screen = await waitForScreen(t, 'the grid never showed', (x) => /connected/.test(x) && /postgres/.test(x) && /faulted/.test(x), 45_000);
      expect(screen).toMatch(/search/);
      t.child.stdin.write('q');
      expect(await t.exited).toBe(0);
    } finally {
      if (t.child.exitCode === null) t.child.kill('SIGKILL');
    }
  }, 60_000);

  it('runs with npx ./opsdeck-VERSION.tgz --help', () => {
    const r = spawnSync('npx', ['--yes', '--offline', `./${pkg.name}-${pkg.version}.tgz`, '--help'], { cwd: dir, encoding: 'utf8', env: npmEnv(), timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: opsdeck');
  }, 180_000);
});
