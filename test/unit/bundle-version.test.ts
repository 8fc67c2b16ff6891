import { describe, it, expect, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCommit } from '../../scripts/bundle.mjs';
import { commit, version, versionLine } from '../../src/version.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'opsdeck-unit-commit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the commit opsdeck --version names', () => {
  it('is "source" when not built by the bundler, after the version', () => {
    expect(commit()).toBe('source');
    expect(versionLine()).toBe(`opsdeck ${version()} (source)`);
    expect(versionLine()).toMatch(/^opsdeck \d+\.\d+\.\d+ \(source\)$/);
  });

  it('is the short hash of HEAD, -dirty when a tracked file changed (not for untracked ones), unknown outside git', () => {
    const d = tmp();
    expect(buildCommit(d)).toBe('unknown');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: d, encoding: 'utf8' }).trim();
    git('init', '-q');
    expect(buildCommit(d)).toBe('unknown'); // no commit yet
    writeFileSync(join(d, 'a'), '1');
    git('add', 'a');
    git('commit', '-q', '-m', 'one');
    const head = git('rev-parse', '--short=7', 'HEAD');
    expect(buildCommit(d)).toBe(head);
    writeFileSync(join(d, 'untracked'), '');
    expect(buildCommit(d)).toBe(head);
    writeFileSync(join(d, 'a'), '2');
    expect(buildCommit(d)).toBe(`${head}-dirty`);
  });
});
