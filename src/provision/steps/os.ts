import { sanitise } from '../../text/sanitise.js';
import { judgeOs, parseOsRelease } from '../os-release.js';
import { lastLine } from '../root-shell.js';
import { parseSshdMode, SSHD_MODE_SCRIPT, describeSshdMode } from '../sshd-service.js';
import type { Step } from '../step.js';

/** Step 1: what system this is, and how its services run. Refuses anything unsupported. */
export const osStep: Step = {
  id: 'os',
  title: 'Operating system',
  lockout: false,
  async check(ctx) {
    const r = await ctx.shell.run(['cat', '/etc/os-release']);
    if (r.code !== 0) return { state: 'refused', found: [`cannot read /etc/os-release: ${lastLine(r)}`], commands: [], notes: [] };
    const verdict = judgeOs(parseOsRelease(r.stdout));
    ctx.facts.os = verdict;
    if (!verdict.ok) return { state: 'refused', found: [verdict.reason], commands: [], notes: [] };
    const m = await ctx.shell.run(['sh', '-c', SSHD_MODE_SCRIPT]);
    const { mode, systemd } = parseSshdMode(m.stdout);
    ctx.facts.sshd = mode;
    ctx.facts.systemd = systemd;
    const found = [`${verdict.name}`, `logged in as ${sanitise(ctx.shell.loginUser)}${ctx.shell.via === 'sudo' ? ' (root through sudo -n)' : ''}`, systemd ? 'systemd manages services' : 'no systemd (a container?)', describeSshdMode(mode)];
    return { state: 'done', found, commands: [], notes: [] };
  },
  async verify() {
    return { ok: true, lines: [] };
  },
};
