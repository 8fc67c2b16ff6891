import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The bundle is what an operator copies to a server: it must run with no node_modules anywhere
// near it, so it is copied to an empty directory outside the repository before each check.
describe('the single-file bundle', () => {
  let dir: string;
  beforeAll(() => {
    execFileSync('node', ['scripts/bundle.mjs'], { stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'opsdeck-bundle-'));
    copyFileSync('dist/opsdeck.mjs', join(dir, 'opsdeck.mjs'));
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
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
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('answers a bad command with one line, a hint and exit 2', () => {
    const r = run('nope');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('loads the terminal UI code (ink, react, yoga) without crashing when there is no TTY', () => {
    const r = run('ui', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: opsdeck');
  });
});
