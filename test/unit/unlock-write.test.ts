/**
 * `unlock check --write` replaces the server's files atomically: the planned argv runs here for
 * real, with sh and coreutils on a directory under /tmp standing in for /etc/dropbear/initramfs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyFix } from '../../src/unlock/check/apply-fix.js';
import { lineDiff, type FixPlan } from '../../src/unlock/check/fix-plan.js';
import type { Exec } from '../../src/unlock/check/gather-facts.js';
import type { ExecResult } from '../../src/transport/exec-types.js';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-unlock-write-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

// Everything runs on this machine; only `id -u` says root, so no sudo is tried whoever runs the test.
const exec: Exec = async (argv, opts = {}) => {
  if (argv.join(' ') === 'id -u') return { code: 0, stdout: '0\n', stderr: '' } as ExecResult;
  const r = spawnSync(argv[0]!, argv.slice(1), { input: opts.stdin ?? '' });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() } as ExecResult;
};

function plan(file: string, before: string | null, after: string): Extract<FixPlan, { kind: 'changes' }> {
  return { kind: 'changes', files: [{ path: file, before, after, diff: lineDiff(before, after) }], commands: [] };
}

describe('unlock check --write on the server', () => {
  it('replaces the file by rename, keeping its mode, and leaves no temporary file', async () => {
    const conf = path.join(dir, 'dropbear.conf');
    const before = 'DROPBEAR_OPTIONS="-p 2222"\n';
    fs.writeFileSync(conf, before, { mode: 0o640 });
    fs.chmodSync(conf, 0o640);
    // Whoever still has the old file open (or a hard link to it) sees the old file whole.
    const old = path.join(dir, 'old-link');
    fs.linkSync(conf, old);
    const after = 'DROPBEAR_OPTIONS="-I 60 -j -k -s -p 2222"\n';
    const r = await applyFix(exec, plan(conf, before, after));
    expect(r).toEqual({ ok: true, steps: [`wrote ${conf} (1 line(s) changed)`] });
    expect(fs.readFileSync(conf, 'utf8')).toBe(after);
    expect(fs.readFileSync(old, 'utf8')).toBe(before);
    expect(fs.statSync(conf).ino).not.toBe(fs.statSync(old).ino);
    expect(fs.statSync(conf).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir).sort()).toEqual(['dropbear.conf', 'old-link']);
  });

  it('creates a missing file 0644', async () => {
    const conf = path.join(dir, 'dropbear.conf');
    const r = await applyFix(exec, plan(conf, null, 'DROPBEAR_OPTIONS="-p 2222"\n'));
    expect(r.ok).toBe(true);
    expect(fs.statSync(conf).mode & 0o777).toBe(0o644);
  });
});
