/**
 * Server text that non-JSON output prints: the unlock check's diff, daemon.json details in the
 * audit and in provision, the login name, and the paths and architecture in provisioning plans.
 * Each is fed escape sequences, bidi and control characters, and must come out without them.
 */
import { describe, expect, it } from 'vitest';
import { hostRunner } from '../../src/audit/run-audit.js';
import { judgeLogRotation, mergeDaemonJson, parseDaemonJson } from '../../src/provision/daemon-json.js';
import { planLines } from '../../src/provision/plan-text.js';
import { describeCommand, type StepReport } from '../../src/provision/run.js';
import { dockerStep } from '../../src/provision/steps/docker.js';
import type { ProvisionContext } from '../../src/provision/step.js';
import { lineDiff } from '../../src/unlock/check/fix-plan.js';
import type { ExecResult } from '../../src/transport/exec-types.js';

const HOSTILE = '\u001b]0;owned\u0007\u001b[2J\u202e\u009b31m\r';
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const clean = (lines: readonly string[]) => {
  for (const l of lines) expect(l).not.toMatch(CONTROL);
};

describe('server text in non-JSON output', () => {
  it("unlock check --write: the diff of the server's files", () => {
    const before = `DROPBEAR_OPTIONS="-p 2222"\n# ${HOSTILE}note\n`;
    const after = `DROPBEAR_OPTIONS="-I 60 -j -k -s -p 2222 ${HOSTILE}"\n# ${HOSTILE}changed\n`;
    const diff = lineDiff(before, after);
    expect(diff).toHaveLength(4);
    clean(diff);
    expect(diff[3]).toBe('+2: # changed');
  });

  it('daemon.json: kept values, the rotation detail and a parse error', () => {
    const m = mergeDaemonJson(JSON.stringify({ 'log-driver': `syslog${HOSTILE}` }));
    expect(m.ok).toBe(true);
    clean(m.ok ? m.kept : []);
    const opts = mergeDaemonJson(JSON.stringify({ 'log-opts': { 'max-size': `9m${HOSTILE}` } }));
    clean(opts.ok ? opts.kept : []);
    const rot = judgeLogRotation({ 'log-opts': { 'max-size': `50m${HOSTILE}`, 'max-file': `5${HOSTILE}` } });
    expect(rot.status).toBe('pass');
    clean([rot.detail]);
    clean([judgeLogRotation({ 'log-driver': `gelf${HOSTILE}` }).detail, judgeLogRotation({ 'log-driver': `weird${HOSTILE}` }).detail]);
    const bad = parseDaemonJson(`${HOSTILE}{`);
    expect(bad.ok).toBe(false);
    clean([bad.ok ? '' : bad.reason]);
  });

  it("the audit's login name when root is out of reach", async () => {
    const exec = async (argv: readonly string[]): Promise<ExecResult> => {
      const cmd = argv.join(' ');
      if (cmd === 'id -un') return { code: 0, stdout: `deploy${HOSTILE}\n`, stderr: '' } as ExecResult;
      if (cmd === 'id -u') return { code: 0, stdout: '1000\n', stderr: '' } as ExecResult;
      return { code: 1, stdout: '', stderr: 'sudo: a password is required\n' } as ExecResult;
    };
    const h = await hostRunner({ exec } as never);
    expect(h.asRoot).toBeUndefined();
    expect(h.loginUser).toBe('deploy');
  });

  it('provisioning plans: commands with server paths, and file text', () => {
    const ctx = { shell: { argvFor: (a: readonly string[]) => [...a] } } as unknown as ProvisionContext;
    const line = describeCommand(ctx, { argv: ['install', '-d', '-m', '0700', `/home/deploy${HOSTILE}/.ssh`] });
    clean([line]);
    const report: StepReport = {
      id: 'docker', title: 'Docker', lockout: false, status: 'planned', lines: [],
      check: { state: 'todo', found: [], notes: [], commands: [{ argv: ['touch', `/x${HOSTILE}`] }], files: [{ path: '/etc/apt/sources.list.d/docker.sources', text: `Architectures: amd64${HOSTILE}\n` }] },
    };
    const lines = planLines(ctx, report);
    expect(lines.length).toBeGreaterThan(3);
    clean(lines);
  });

  it('the Docker step refuses an architecture that is not a dpkg name', async () => {
    const run = async (argv: readonly string[]): Promise<ExecResult> =>
      argv[3] === 'docker-facts'
        ? ({ code: 0, stdout: `@@plugin\n@@standalone\n@@arch\namd64${HOSTILE}\n@@groups\n@@daemon\n`, stderr: '' } as ExecResult)
        : ({ code: 3, stdout: '', stderr: '' } as ExecResult);
    const ctx = {
      shell: { loginUser: 'root', via: 'root', argvFor: (a: readonly string[]) => [...a], run },
      settings: { deployUser: 'deploy' },
      facts: { os: { ok: true, family: 'debian', version: '12', codename: 'bookworm', name: 'Debian GNU/Linux 12' } },
    } as unknown as ProvisionContext;
    const check = await dockerStep.check(ctx);
    expect(check.state).toBe('refused');
    expect(check.commands).toEqual([]);
    clean(check.found);
    expect(check.found.at(-1)).toMatch(/^dpkg --print-architecture said 'amd64.*', which is not an architecture name$/);
  });
});
