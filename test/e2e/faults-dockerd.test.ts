/**
 * dockerd restarted under a live grid while SSH stays up: a PRIVATE dockerd (own socket,
 * data-root, exec-root under /tmp, no networking, started as the lab starts its own) behind a
 * PRIVATE sshd (port 22045), with busybox loaded from the lab's engine. While dockerd is away the
 * grid says STALE; when it is back the grid is live again by itself (no SSH reconnect tells it
 * to) and every row says what `docker inspect` says: restart-always services running again, a
 * restart-no one exited with its code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { BUNDLE, hostArgs, privateDockerd, privateSshd, sleep, startPtyApp, type PrivateDockerd, type PrivateSshd } from './fault-helpers.js';

const PORT = 22045;
let lab: LabInfo;
let sshd: PrivateSshd | undefined;
let dockerd: PrivateDockerd | undefined;

beforeAll(async () => {
  lab = await requireLab();
  expect(existsSync(BUNDLE), 'npm run bundle first').toBe(true);
  dockerd = await privateDockerd();
  // The lab's busybox, so that nothing is pulled.
  const image = execFileSync('docker', ['-H', lab.docker.host, 'save', 'busybox:1.36'], { maxBuffer: 256 << 20 });
  execFileSync('docker', ['-H', `unix://${dockerd.socket}`, 'load'], { input: image, stdio: ['pipe', 'ignore', 'pipe'] });
  const run = (service: string, restart: string, exitCode: number) =>
    dockerd!.docker(
      'run', '-d', '--name', `faults-${service}-1`, '--network', 'none', '--restart', restart,
      '--label', 'com.docker.compose.project=faults', '--label', `com.docker.compose.service=${service}`, '--label', 'com.docker.compose.container-number=1',
      'busybox:1.36', 'sh', '-c', `trap "exit ${exitCode}" TERM; while :; do sleep 0.2; done`,
    );
  run('web', 'always', 0);
  run('worker', 'unless-stopped', 0);
  run('once', 'no', 3);
  sshd = await privateSshd(lab, PORT);
}, 180_000);

afterAll(async () => {
  await sshd?.stop();
  await dockerd?.remove();
}, 120_000);

interface Row {
  service: string;
  state: string;
  repl: string;
}

/** The service rows of the grid, cut at the header's column positions. */
function rowsOf(lines: string[]): Map<string, Row> {
  const header = lines.findIndex((l) => /^SERVICE +STATE +HEALTH/.test(l));
  const rows = new Map<string, Row>();
  if (header < 0) return rows;
  const h = lines[header]!;
  const at = (name: string) => h.indexOf(name);
  const cut = (l: string, col: string) => {
    const from = at(col);
    const starts = ['STATE', 'HEALTH', 'RESTARTS', 'MEM', 'CPU', 'REPL', 'UPTIME', 'PORTS', 'IMAGE'].map(at).filter((x) => x > from).sort((a, b) => a - b);
    return l.slice(from, starts[0] ?? l.length).trim();
  };
  for (const l of lines.slice(header + 1)) {
    if (l.trim() === '' || /faulted|all services ok/.test(l)) break;
    const m = /^[! ] (\S+)/.exec(l);
    if (!m) continue;
    rows.set(m[1]!, { service: m[1]!, state: cut(l, 'STATE'), repl: at('REPL') >= 0 ? cut(l, 'REPL') : '' });
  }
  return rows;
}

describe('dockerd restarted under a live grid', () => {
  it('goes STALE while dockerd is away and comes back by itself with correct rows', async () => {
    const grid = startPtyApp([...hostArgs(sshd!, dockerd!.socket), '--interval', '1000']);
    const screen = () => grid.screen();
    const allRunning = (rows: Map<string, Row>) => ['web', 'worker', 'once'].every((s) => rows.get(s)?.state.startsWith('▸'));
    try {
      for (let t = Date.now(); ; await sleep(100)) {
        const s = await screen();
        if (allRunning(rowsOf(s)) && /% \//.test(s.join('\n'))) break;
        expect(Date.now() - t < 60_000, `the grid never came up:\n${s.join('\n')}`).toBe(true);
      }

      const stoppedAt = Date.now();
      const stopping = dockerd!.stop();
      let staleAfter = -1;
      for (let t = Date.now(); ; await sleep(100)) {
        const s = (await screen()).join('\n');
        if (/STALE/.test(s)) {
          staleAfter = Date.now() - stoppedAt;
          break;
        }
        expect(Date.now() - t < 30_000, `the grid never said STALE:\n${s}`).toBe(true);
      }
      await stopping;
      // SSH itself never dropped.
      expect((await screen()).join('\n')).toMatch(/connected \(/);
      await sleep(3000);
      expect(grid.child.exitCode).toBeNull();

      const startedAt = Date.now();
      await dockerd!.start();
      const inspect = (name: string) => JSON.parse(dockerd!.docker('inspect', name))[0].State as { Status: string; ExitCode: number };
      let recoveredAfter = -1;
      let last: string[] = [];
      for (let t = Date.now(); ; await sleep(200)) {
        last = await screen();
        const rows = rowsOf(last);
        const text = last.join('\n');
        if (!/STALE/.test(text) && rows.get('once')?.state.startsWith('■') && rows.get('web')?.state.startsWith('▸') && rows.get('worker')?.state.startsWith('▸')) {
          recoveredAfter = Date.now() - startedAt;
          break;
        }
        expect(Date.now() - t < 60_000, `the grid did not recover after dockerd came back:\n${text}`).toBe(true);
      }
      // Each row is what the engine says now.
      const rows = rowsOf(last);
      for (const service of ['web', 'worker', 'once']) {
        const st = inspect(`faults-${service}-1`);
        const row = rows.get(service)!;
        if (st.Status === 'running') expect(row.state, service).toMatch(/^▸/);
        else expect(row.state, service).toMatch(new RegExp(`^■ (exited )?\\(${st.ExitCode}\\)$`));
        if (row.repl) expect(row.repl, service).toBe(st.Status === 'running' ? '1/1' : '0/1');
      }
      expect(inspect('faults-once-1')).toMatchObject({ Status: 'exited', ExitCode: 3 });
      console.log(`faults-dockerd: STALE ${staleAfter} ms after dockerd was stopped; grid live again ${recoveredAfter} ms after dockerd was started, 3 rows correct`);
    } finally {
      const code = await grid.quit();
      expect(code).toBe(0);
      expect(grid.stderr()).not.toMatch(/\n\s+at /);
    }
  }, 300_000);
});
