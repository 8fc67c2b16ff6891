/**
 * Runbooks in the TUI on a real pseudo-terminal against the lab: `:runbooks`, keys that arrive in
 * one read (a held key over SSH), the parameter form, a run of restart-loop on the lab's crash
 * loop that stops before acting, and the step list after it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { labContainers, requireLab } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { interactiveEnv, startOnPty, waitForScreen } from '../support/pty-terminal.js';

const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-rbtui-'));

afterAll(() => fs.rmSync(cfgDir, { recursive: true, force: true }));

describe('runbooks in the TUI', () => {
  it('opens with :runbooks, moves by every key of one read, and runs restart-loop to its end', async () => {
    const info = await requireLab();
    const loop = labContainers('crash-loop', info)[0]!;
    const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, '--host', info.sshd.hostAlias, '--ssh-config', info.sshd.sshConfigPath, '--socket', info.docker.socketPath];
    const t = startOnPty(argv, { cols: 150, rows: 45, env: interactiveEnv({ OPSDECK_CONFIG: path.join(cfgDir, 'config.json') }) });
    const until = (what: string, ok: (s: string) => boolean, ms?: number) => waitForScreen(t, what, ok, ms);
    try {
      await until('the grid never came', (s) => /\d+ faulted|all services ok/.test(s));
      t.child.stdin.write(':runbooks\r');
      await until('no runbook list', (s) => s.includes('Runbooks · 6 of 6'));
      // Sorted by id: deploy-with-rollback, disk-full, reboot-and-unlock, restart-loop, …
      t.child.stdin.write('\u001b[B\u001b[B\u001b[B\r');
      await until('enter did not open restart-loop (the fourth)', (s) => s.includes('Run restart-loop: A service keeps restarting'));
      t.child.stdin.write(`${loop.project}/${loop.service}`);
      await sleep(200);
      t.child.stdin.write('\u001b[B\t');
      await until('then did not turn to stop', (s) => /› then +stop/.test(s));
      t.child.stdin.write('\r');
      const done = await until('the run did not end', (s) => /done · transcript: /.test(s), 60_000);
      expect(done).toMatch(/✓ exit/);
      expect(done).toMatch(/– restart/);
      // From the last step, three k's in one write select the third step before it.
      t.child.stdin.write('\u001b[A\u001b[A\u001b[A');
      await until('kkk did not move three steps up', (s) => /▸ image \[check\]/.test(s), 10_000);
      const runs = fs.readdirSync(path.join(cfgDir, 'runs'));
      expect(runs.filter((f) => f.includes('-restart-loop-'))).toHaveLength(1);
    } finally {
      t.child.kill('SIGKILL');
    }
  }, 120_000);
});
