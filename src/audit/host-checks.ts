/**
 * The server's own hardening, read-only: effective sshd settings, root's password, the deploy
 * user's ~/.ssh, ufw, unattended upgrades, a pending reboot and Docker's log rotation. The same
 * readers and parsers as provision's checks (src/provision), judged here as audit rows.
 */
import { sanitise } from '../text/sanitise.js';
import type { ExecResult } from '../transport/exec-types.js';
import { shellCommand } from '../transport/shell-quote.js';
import { DAEMON_JSON, judgeLogRotation, parseDaemonJson } from '../provision/daemon-json.js';
import { HARDENING, parseSshdT } from '../provision/sshd-config.js';
import { extraAllowed, parseUfwStatus } from '../provision/ufw-status.js';
import { AUTO_UPGRADES_FILE } from '../provision/apt-periodic.js';
import { readUpgradeFacts } from '../provision/steps/upgrades.js';
import { sshdTArgv } from '../provision/steps/ssh-hardening.js';
import { trimOutput, type AuditRow, type Evidence } from './audit-row.js';

export interface HostRunner {
  /** Run as root (sudo -n when needed); undefined when root is out of reach. */
  asRoot: ((argv: readonly string[]) => Promise<ExecResult>) | undefined;
  /** How a root command is written, for the evidence. */
  display(argv: readonly string[]): string;
  loginUser: string;
}

const ev = (command: string, r: Pick<ExecResult, 'stdout' | 'stderr'>, pick?: (out: string) => string): Evidence => ({
  command,
  output: sanitise(trimOutput(pick ? pick(r.stdout) : `${r.stdout}${r.stderr}`), { multiline: true }),
});

function needsRoot(id: string, group: string, title: string, what: string, user: string): AuditRow {
  return { id, group, title, status: 'warn', detail: `not checked: ${what} needs root and ${user} cannot sudo -n`, evidence: [], fix: `Run the audit as root, or allow ${user} 'sudo -n' (provision --sudo nopasswd).` };
}

export async function sshRows(h: HostRunner, deployUser: string): Promise<AuditRow[]> {
  if (!h.asRoot) return [needsRoot('sshd', 'SSH', 'effective sshd settings', 'sshd -T', h.loginUser)];
  const rows: AuditRow[] = [];
  const users = [...new Set(['root', deployUser])];
  const results = await Promise.all(users.map(async (u) => ({ u, argv: sshdTArgv(u), r: await h.asRoot!(sshdTArgv(u)) })));
  for (const [k, want] of HARDENING) {
    const key = k.toLowerCase();
    const got = results.map(({ u, r }) => ({ u, v: r.code === 0 ? parseSshdT(r.stdout).get(key) : undefined, failed: r.code !== 0 }));
    const bad = got.filter((g) => g.v?.toLowerCase() !== want);
    const evidence = results.map(({ argv, r }) => ev(h.display(argv), r, (out) => out.split('\n').filter((l) => l.toLowerCase().startsWith(`${key} `)).join('\n') || r.stderr));
    rows.push({
      id: `sshd-${key}`,
      group: 'SSH',
      title: k,
      status: bad.length ? 'fail' : 'pass',
      detail: bad.length ? bad.map((b) => (b.failed ? `sshd -T failed for ${b.u}` : `${b.v ?? 'unset'} for ${b.u} (want ${want})`)).join(', ') : `${want} (sshd -T)`,
      evidence,
      ...(bad.length ? { fix: `Put '${k} ${want}' in /etc/ssh/sshd_config.d/00-opsdeck.conf (read before 50-cloud-init.conf: the first value wins), sshd -t, reload; or run opsdeck provision.` } : {}),
    });
  }
  return rows;
}

export async function rootPasswordRow(h: HostRunner): Promise<AuditRow> {
  if (!h.asRoot) return needsRoot('root-password', 'SSH', "root's password", 'passwd -S root', h.loginUser);
  const argv = ['passwd', '-S', 'root'];
  const r = await h.asRoot(argv);
  const state = r.stdout.trim().split(/\s+/)[1];
  const base = { id: 'root-password', group: 'SSH', title: "root's password", evidence: [ev(h.display(argv), r)] };
  if (state === 'L') return { ...base, status: 'pass', detail: 'locked' };
  if (state === 'NP') return { ...base, status: 'fail', detail: 'EMPTY: root has no password at all', fix: 'passwd -l root' };
  if (state === 'P') return { ...base, status: 'warn', detail: 'set and usable (on the console; SSH root login is judged above)', fix: 'passwd -l root (keep a deploy user with sudo for the provider console)' };
  return { ...base, status: 'warn', detail: `passwd -S said '${sanitise(r.stdout.trim() || r.stderr.trim())}'` };
}

const SSH_MODES = 'u="$1"; h=$(getent passwd "$u" | cut -d: -f6) || exit 3; [ -n "$h" ] || exit 3; for f in "$h" "$h/.ssh" "$h/.ssh/authorized_keys"; do if [ -e "$f" ]; then stat -c "%a %U %n" "$f"; else echo "missing $f"; fi; done';

/** sshd's StrictModes refuses keys when these are writable by others; and they should not be. */
export async function deploySshRow(h: HostRunner, deployUser: string): Promise<AuditRow> {
  const argv = ['sh', '-c', SSH_MODES, 'ssh-modes', deployUser];
  const run = h.asRoot ?? null;
  if (!run) return needsRoot('deploy-ssh', 'SSH', `${deployUser}'s ~/.ssh`, 'reading its modes', h.loginUser);
  const r = await run(argv);
  const base = { id: 'deploy-ssh', group: 'SSH', title: `${deployUser}'s ~/.ssh`, evidence: [ev(h.display(argv), r)] };
  if (r.code === 3) return { ...base, status: 'fail', detail: `no user ${deployUser}`, fix: `Create a non-root deploy user with your key (opsdeck provision --deploy-user ${deployUser}).` };
  const lines = r.stdout.trim().split('\n');
  const problems: string[] = [];
  for (const l of lines) {
    if (l.startsWith('missing ')) {
      problems.push(`${sanitise(l.slice(8))} is missing`);
      continue;
    }
    const [mode = '', owner = '', ...rest] = l.split(' ');
    const file = sanitise(rest.join(' '));
    const m = parseInt(mode, 8);
    if (owner !== deployUser) problems.push(`${file} is owned by ${sanitise(owner)}`);
    if (m & 0o022) problems.push(`${file} is writable by group or others (${mode})`);
    if (file.endsWith('/.ssh') && m & 0o077) problems.push(`${file} is ${mode}, want 700`);
    if (file.endsWith('authorized_keys') && m & 0o077) problems.push(`${file} is ${mode}, want 600`);
  }
  if (!problems.length) return { ...base, status: 'pass', detail: '~/.ssh 700 and authorized_keys 600, owned by the user' };
  const writable = problems.some((p) => /writable|owned by|missing/.test(p));
  return { ...base, status: writable ? 'fail' : 'warn', detail: problems.join('; '), fix: `chown -R ${deployUser}: ~${deployUser}/.ssh && chmod 700 ~${deployUser}/.ssh && chmod 600 ~${deployUser}/.ssh/authorized_keys` };
}

export async function ufwRows(h: HostRunner, sshPort: number): Promise<AuditRow[]> {
  if (!h.asRoot) return [needsRoot('ufw', 'Firewall', 'ufw', 'ufw status', h.loginUser)];
  const argv = ['ufw', 'status', 'verbose'];
  const r = await h.asRoot(argv);
  const evidence = [ev(h.display(argv), r)];
  if (r.code === 127 || /not found/.test(r.stderr)) return [{ id: 'ufw', group: 'Firewall', title: 'ufw', status: 'fail', detail: 'ufw is not installed', evidence, fix: 'apt-get install ufw; ufw allow 22/tcp; ufw allow 80/tcp; ufw allow 443/tcp; ufw --force enable (or opsdeck provision)' }];
  const s = parseUfwStatus(r.stdout);
  const rows: AuditRow[] = [];
  if (!s.active) rows.push({ id: 'ufw', group: 'Firewall', title: 'ufw', status: 'fail', detail: 'inactive: every listening port is open', evidence, fix: `ufw allow ${sshPort}/tcp && ufw allow 80/tcp && ufw allow 443/tcp && ufw --force enable (the SSH rule first)` });
  else if (s.defaultIncoming !== 'deny' && s.defaultIncoming !== 'reject') rows.push({ id: 'ufw', group: 'Firewall', title: 'ufw', status: 'fail', detail: `active, but incoming default is ${s.defaultIncoming ?? 'unknown'}`, evidence, fix: 'ufw default deny incoming' });
  else {
    const extra = extraAllowed(s, sshPort);
    rows.push(
      extra.length
        ? { id: 'ufw', group: 'Firewall', title: 'ufw', status: 'warn', detail: `active, default deny; also open from anywhere: ${extra.join(', ')}`, evidence, fix: `The seeds allow only SSH, 80 and 443: ufw delete allow PORT for each, or restrict to admin addresses (ufw allow from ADDR to any port PORT).` }
        : { id: 'ufw', group: 'Firewall', title: 'ufw', status: 'pass', detail: `active, default deny incoming; open: ${[...new Set(s.rules.filter((x) => /^(ALLOW|LIMIT)/.test(x.action)).map((x) => x.to))].join(', ') || 'nothing'}`, evidence },
    );
  }
  return rows;
}

export async function updateRows(h: HostRunner): Promise<AuditRow[]> {
  const run = h.asRoot;
  if (!run) return [needsRoot('unattended', 'Updates', 'unattended upgrades', 'apt-config', h.loginUser)];
  const f = await readUpgradeFacts((argv) => run(argv));
  const evidence: Evidence[] = [{ command: h.display(['apt-config', 'dump']), output: sanitise(f.dumpLines.join('\n') || '(no APT::Periodic lines)', { multiline: true }) }];
  const rows: AuditRow[] = [];
  if (!f.installed) rows.push({ id: 'unattended', group: 'Updates', title: 'unattended upgrades', status: 'fail', detail: 'unattended-upgrades is not installed', evidence, fix: 'apt-get install unattended-upgrades (or opsdeck provision)' });
  else if (!f.upgrade || !f.lists) rows.push({ id: 'unattended', group: 'Updates', title: 'unattended upgrades', status: 'fail', detail: 'installed but not switched on', evidence, fix: `Put APT::Periodic::Update-Package-Lists "1"; and APT::Periodic::Unattended-Upgrade "1"; in ${AUTO_UPGRADES_FILE}.` });
  else if (f.timersOff.length) rows.push({ id: 'unattended', group: 'Updates', title: 'unattended upgrades', status: 'warn', detail: `on, but ${f.timersOff.join(', ')} not enabled`, evidence, fix: `systemctl enable --now ${f.timersOff.join(' ')}` });
  else rows.push({ id: 'unattended', group: 'Updates', title: 'unattended upgrades', status: 'pass', detail: 'installed and on (APT::Periodic::Unattended-Upgrade "1")', evidence });
  const rebootArgv = ['test', '-e', '/var/run/reboot-required'];
  rows.push(
    f.rebootRequired
      ? { id: 'reboot', group: 'Updates', title: 'reboot pending', status: 'warn', detail: '/var/run/reboot-required exists: installed updates (a kernel?) wait for a reboot', evidence: [{ command: shellCommand(rebootArgv), output: 'exists' }], fix: 'Reboot in a quiet hour (with LUKS: have opsdeck unlock ready).' }
      : { id: 'reboot', group: 'Updates', title: 'reboot pending', status: 'pass', detail: 'no', evidence: [{ command: shellCommand(rebootArgv), output: 'does not exist' }] },
  );
  return rows;
}

export async function daemonJsonRows(h: HostRunner): Promise<AuditRow[]> {
  const argv = ['cat', DAEMON_JSON];
  const run = h.asRoot;
  if (!run) return [needsRoot('daemon-json', 'Docker', 'log rotation', `reading ${DAEMON_JSON}`, h.loginUser)];
  const r = await run(argv);
  const missing = r.code !== 0 && /No such file/i.test(r.stderr);
  const evidence = [ev(h.display(argv), r)];
  const parsed = parseDaemonJson(missing ? null : r.stdout);
  if (!parsed.ok) return [{ id: 'daemon-json', group: 'Docker', title: 'log rotation', status: 'fail', detail: parsed.reason, evidence, fix: `Fix ${DAEMON_JSON} by hand: dockerd will not start with it.` }];
  const rot = judgeLogRotation(parsed.value);
  const rows: AuditRow[] = [
    {
      id: 'daemon-json',
      group: 'Docker',
      title: 'log rotation',
      status: missing ? 'fail' : rot.status,
      detail: missing ? `no ${DAEMON_JSON}: json-file logs without max-size grow until the disk is full` : rot.detail,
      evidence,
      ...(missing || rot.status !== 'pass' ? { fix: `In ${DAEMON_JSON}: "log-driver": "json-file", "log-opts": {"max-size": "50m", "max-file": "5"} (merged, not overwritten: opsdeck provision does it), then restart dockerd.` } : {}),
    },
  ];
  const live = parsed.value['live-restore'] === true;
  rows.push({ id: 'live-restore', group: 'Docker', title: 'live-restore', status: live ? 'pass' : 'warn', detail: live ? 'on: containers keep running while dockerd restarts' : 'off: a dockerd restart or upgrade stops every container', evidence, ...(live ? {} : { fix: `"live-restore": true in ${DAEMON_JSON}, then systemctl reload docker` }) });
  return rows;
}
