/**
 * A frozen connection: the session's sshd processes (the per-connection ones of a PRIVATE sshd
 * on port 22046, never the lab's) get SIGSTOP for 30 s under a live grid. With
 * ServerAliveInterval 5 (count 3) the status line must say "no answer for Ns" within one
 * keepalive interval and a little more, long before the keepalives give up; then the app
 * reconnects (or resumes on SIGCONT) and the grid is live again, without crashing.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { BUNDLE, hostArgs, privateSshd, sleep, startPtyApp, type PrivateSshd } from './fault-helpers.js';

const PORT = 22046;
const KEEPALIVE_SEC = 5;
const FREEZE_MS = 30_000;
let lab: LabInfo;
let sshd: PrivateSshd | undefined;
let frozen: number[] = [];

beforeAll(async () => {
  lab = await requireLab();
  expect(existsSync(BUNDLE), 'npm run bundle first').toBe(true);
  sshd = await privateSshd(lab, PORT, { serverAliveIntervalSec: KEEPALIVE_SEC });
});

afterAll(async () => {
  for (const p of frozen) {
    try {
      process.kill(p, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
  await sshd?.stop();
});

describe('the session sshd frozen for 30 s', () => {
  it('shows the stall within the keepalive interval and is live again afterwards', async () => {
    const grid = startPtyApp([...hostArgs(sshd!, lab.docker.socketPath), '--interval', '1000']);
    const text = async () => (await grid.screen()).join('\n');
    const live = (s: string) => /^SERVICE +STATE +HEALTH/m.test(s) && /% \//.test(s) && /connected \(/.test(s) && !/no answer|STALE|reconnecting/.test(s);
    try {
      for (let t = Date.now(); !live(await text()); await sleep(100)) {
        expect(Date.now() - t < 60_000, `the grid never came up:\n${await text()}`).toBe(true);
      }
      // A session's short-lived children (one per exec) may end between the listing and the
      // signal: only the processes that were there to stop count as frozen.
      frozen = sshd!.sessionPids().filter((p) => signalled(p, 'SIGSTOP'));
      expect(frozen.length).toBeGreaterThan(0);
      const stoppedAt = Date.now();

      let stallShownAfter = -1;
      const seen = new Set<string>();
      for (let t = Date.now(); Date.now() - stoppedAt < FREEZE_MS; await sleep(100)) {
        const s = await text();
        if (stallShownAfter < 0 && /no answer for \d+s/.test(s)) stallShownAfter = Date.now() - stoppedAt;
        for (const m of s.match(/no answer for \d+s|reconnecting|STALE/g) ?? []) seen.add(m.replace(/\d+/, 'N'));
        void t;
      }
      for (const p of frozen) signalled(p, 'SIGCONT');
      const contAt = Date.now();
      frozen = [];
      expect(stallShownAfter, `the stall never showed in ${FREEZE_MS} ms`).toBeGreaterThan(0);
      // One interval without an answer, the grace, and the once-a-second check.
      expect(stallShownAfter).toBeLessThanOrEqual(KEEPALIVE_SEC * 1000 + 2000 + 1500);

      let liveAfter = -1;
      for (let t = Date.now(); ; await sleep(100)) {
        const s = await text();
        if (live(s)) {
          liveAfter = Date.now() - contAt;
          break;
        }
        expect(Date.now() - t < 30_000, `not live again after SIGCONT:\n${s}`).toBe(true);
      }
      console.log(`faults-freeze: stall shown ${stallShownAfter} ms after SIGSTOP (ServerAliveInterval ${KEEPALIVE_SEC}s); seen during the freeze: ${[...seen].join(', ')}; live ${liveAfter} ms after SIGCONT`);
      expect(grid.child.exitCode).toBeNull();
    } catch (err) {
      console.log(`faults-freeze failed; screen:\n${await text()}`);
      throw err;
    } finally {
      const code = await grid.quit();
      expect(code).toBe(0);
      expect(grid.stderr()).not.toMatch(/\n\s+at /);
    }
  }, 180_000);

  it('quits at once while the server is frozen', async () => {
    const grid = startPtyApp([...hostArgs(sshd!, lab.docker.socketPath), '--interval', '1000']);
    const text = async () => (await grid.screen()).join('\n');
    try {
      for (let t = Date.now(); !/^SERVICE +STATE +HEALTH/m.test(await text()) || !/connected \(/.test(await text()); await sleep(100)) {
        expect(Date.now() - t < 60_000, `the grid never came up:\n${await text()}`).toBe(true);
      }
      frozen = sshd!.sessionPids().filter((p) => signalled(p, 'SIGSTOP'));
      expect(frozen.length).toBeGreaterThan(0);
      for (let t = Date.now(); !/no answer for \d+s/.test(await text()); await sleep(100)) {
        expect(Date.now() - t < 15_000, `the stall never showed:\n${await text()}`).toBe(true);
      }
      const t0 = Date.now();
      grid.write('q');
      const code = await Promise.race([grid.exited, sleep(10_000).then(() => 'still running after 10 s' as const)]);
      const took = Date.now() - t0;
      console.log(`faults-freeze: quit while frozen took ${took} ms`);
      expect(code).toBe(0);
      expect(took).toBeLessThan(3000);
    } finally {
      for (const p of frozen) signalled(p, 'SIGCONT');
      frozen = [];
      if (grid.child.exitCode === null) grid.child.kill('SIGKILL');
    }
  }, 120_000);
});

/** Sends `signal`; false when the process had already exited. */
function signalled(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
