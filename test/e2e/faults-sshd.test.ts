/**
 * sshd killed (SIGKILL, sessions and all) and restarted 20 times at seeded random moments while
 * the live grid runs on a pseudo-terminal and `opsdeck logs -f --json` follows a container that
 * writes numbered lines. Both go through a PRIVATE sshd (port 22044), never the lab's. Expected:
 * no crash, the grid says STALE during every outage and is live again after it, the follow says
 * it resumed after every drop, and its lines are exactly Docker's (`docker logs`): none lost,
 * none twice. OPSDECK_FAULT_SEED=N replays a run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDocker, requireLab, type LabInfo } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { BUNDLE, hostArgs, privateSshd, sleep, startPtyApp, type PrivateSshd } from './fault-helpers.js';
import { seededRandom } from '../support/seeded-random.js';
import { runContainer } from './logs-helpers.js';

const KILLS = 20;
const PORT = 22044;
let lab: LabInfo;
let sshd: PrivateSshd;
let counter: { id: string; remove(): Promise<void> } | undefined;

beforeAll(async () => {
  lab = await requireLab();
  expect(existsSync(BUNDLE), 'npm run bundle first').toBe(true);
  sshd = await privateSshd(lab, PORT);
});

afterAll(async () => {
  await counter?.remove();
  await sshd?.stop();
});

const numberOf = (text: string) => Number(/^line (\d+)$/.exec(text)?.[1] ?? NaN);

describe('sshd killed and restarted under a live grid and a followed log', () => {
  it(`survives ${KILLS} kills: no crash, STALE while down, every stream resumed, no line lost or doubled`, async () => {
    const seed = Number(process.env.OPSDECK_FAULT_SEED) || Math.floor(Math.random() * 2 ** 31);
    console.log(`faults-sshd seed ${seed} (OPSDECK_FAULT_SEED=${seed} replays it)`);
    const rnd = seededRandom(seed);
    const name = `opsdeck-faults-counter-${process.pid}`;
    counter = await runContainer(labDocker(lab), { name, tty: false, script: 'i=0; while :; do i=$((i+1)); echo "line $i"; sleep 0.05; done' });

    const follow = spawn(process.execPath, [...(shippedNodeFlags() as string[]), BUNDLE, 'logs', name, '-f', '--json', ...hostArgs(sshd, lab.docker.socketPath)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OPSDECK_CONFIG: '/nonexistent/opsdeck-e2e.json' },
    });
    let out = '';
    let err = '';
    follow.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    follow.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const followExit = new Promise<number | null>((r) => follow.on('exit', (code) => r(code)));
    const lineCount = () => out.split('\n').length - 1;

    const grid = startPtyApp([...hostArgs(sshd, lab.docker.socketPath), '--interval', '1000']);
    const text = async () => (await grid.screen()).join('\n');
    const live = (s: string) => /^SERVICE +STATE +HEALTH/m.test(s) && /% \//.test(s) && !/STALE/.test(s) && /connected/.test(s) && !/reconnecting/.test(s);
    try {
      for (let t = Date.now(); !live(await text()); await sleep(100)) {
        expect(Date.now() - t < 60_000, `the grid never came up:\n${await text()}`).toBe(true);
      }
      for (let t = Date.now(); lineCount() < 20; await sleep(100)) expect(Date.now() - t < 30_000, `no log lines: ${err}`).toBe(true);

      let staleSeen = 0;
      let resumedGrid = 0;
      for (let k = 1; k <= KILLS; k++) {
        // A random moment of normal work, then a crash, then a random time with no sshd at all.
        await sleep(500 + rnd() * 3000);
        const linesBefore = lineCount();
        await sshd.crash();
        const downFor = 200 + rnd() * 2500;
        let stale = false;
        for (const end = Date.now() + downFor; Date.now() < end; await sleep(100)) if (/STALE/.test(await text())) stale = true;
        await sshd.start();
        for (let t = Date.now(); ; await sleep(100)) {
          const s = await text();
          if (/STALE/.test(s)) stale = true;
          if (stale && live(s)) break;
          expect(Date.now() - t < 40_000, `kill ${k} (seed ${seed}): the grid did not come back live:\n${s}`).toBe(true);
        }
        staleSeen += stale ? 1 : 0;
        resumedGrid++;
        for (let t = Date.now(); lineCount() <= linesBefore + 5; await sleep(100)) {
          expect(Date.now() - t < 40_000, `kill ${k} (seed ${seed}): the follow did not resume: ${err.slice(-400)}`).toBe(true);
        }
        expect(grid.child.exitCode, `kill ${k}: the grid exited`).toBeNull();
        expect(follow.exitCode, `kill ${k}: the follow exited: ${err.slice(-400)}`).toBeNull();
      }
      expect(staleSeen).toBe(KILLS);
      expect(resumedGrid).toBe(KILLS);
      // Let the follow catch up with what was written during the last outage.
      await sleep(1500);
      follow.kill('SIGINT');
      expect(await followExit).toBe(0);

      const ours = out
        .trim()
        .split('\n')
        .map((l) => numberOf((JSON.parse(l) as { text: string }).text));
      const logs = spawn('docker', ['-H', lab.docker.host, 'logs', counter.id]);
      let truthText = '';
      logs.stdout.setEncoding('utf8').on('data', (d: string) => (truthText += d));
      await new Promise((r) => logs.on('exit', r));
      const truth = truthText.trim().split('\n').map(numberOf);
      const upTo = truth.indexOf(ours[ours.length - 1]!);
      expect(upTo).toBeGreaterThan(0);
      const lost = truth.slice(0, upTo + 1).filter((n) => !ours.includes(n)).length;
      const doubled = ours.length - new Set(ours).size;
      console.log(`faults-sshd: ${KILLS} kills survived, STALE shown in ${staleSeen} outages, ${ours.length} lines compared with docker logs, lost=${lost}, doubled=${doubled}, reconnect notices ${(err.match(/-- reconnected/g) ?? []).length}`);
      expect(ours).toEqual(truth.slice(0, upTo + 1));
      expect(lost).toBe(0);
      expect(doubled).toBe(0);
      expect((err.match(/-- reconnected/g) ?? []).length).toBe(KILLS);
      expect(err).not.toMatch(/\n\s+at /);
    } finally {
      follow.kill('SIGKILL');
      const code = await grid.quit();
      expect(code).toBe(0);
      expect(grid.stderr()).not.toMatch(/\n\s+at /);
    }
  }, 600_000);
});
