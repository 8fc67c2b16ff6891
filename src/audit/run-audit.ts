/**
 * `opsdeck audit` end to end, for the CLI and the TUI screen: read-only checks over one
 * connection (root work through sudo -n when the login user is not root), judged into rows.
 */
import type { ConnectionFlags } from '../transport/connection-flags.js';
import type { ServerConnection } from '../transport/connection.js';
import { sanitise } from '../text/sanitise.js';
import { shellCommand } from '../transport/shell-quote.js';
import { NoRootError, openRootShell } from '../provision/root-shell.js';
import { parseSshdT } from '../provision/sshd-config.js';
import { sshdTArgv } from '../provision/steps/ssh-hardening.js';
import { auditReport, type AuditReport, type AuditRow } from './audit-row.js';
import { containerRows } from './container-checks.js';
import { backupRow, unlockRow } from './feature-checks.js';
import { daemonJsonRows, deploySshRow, rootPasswordRow, sshRows, ufwRows, updateRows, type HostRunner } from './host-checks.js';

export interface AuditOptions {
  /** The deploy user whose ~/.ssh is checked (default: the login user, or "deploy" when that is root). */
  deployUser?: string;
  flags?: ConnectionFlags;
  env?: NodeJS.ProcessEnv;
  now?: number;
}

export async function hostRunner(conn: Pick<ServerConnection, 'exec'>): Promise<HostRunner> {
  try {
    const shell = await openRootShell((argv, o) => conn.exec(argv, o));
    return { asRoot: (argv) => shell.run(argv, { timeoutMs: 60_000 }), display: (argv) => shellCommand(shell.argvFor(argv)), loginUser: shell.loginUser };
  } catch (err) {
    if (!(err instanceof NoRootError)) throw err;
    const who = await conn.exec(['id', '-un']);
    return { asRoot: undefined, display: (argv) => shellCommand(argv), loginUser: sanitise(who.stdout.trim()) };
  }
}

export async function runAudit(conn: ServerConnection, opts: AuditOptions = {}): Promise<AuditReport> {
  const h = await hostRunner(conn);
  const deployUser = opts.deployUser ?? (h.loginUser && h.loginUser !== 'root' ? h.loginUser : 'deploy');
  let sshPort = 22;
  if (h.asRoot) {
    const r = await h.asRoot(sshdTArgv('root'));
    sshPort = Number(parseSshdT(r.stdout).get('port')) || 22;
  }
  const now = opts.now ?? Date.now();
  const rows: AuditRow[] = [
    ...(await sshRows(h, deployUser)),
    await rootPasswordRow(h),
    await deploySshRow(h, deployUser),
    ...(await ufwRows(h, sshPort)),
    ...(await updateRows(h)),
    ...(await daemonJsonRows(h)),
    ...(await containerRows(conn.docker, now)),
    await backupRow(conn, now),
    await unlockRow(conn, opts.flags ?? {}, opts.env ?? process.env),
  ];
  return auditReport(conn.target.label, rows);
}
