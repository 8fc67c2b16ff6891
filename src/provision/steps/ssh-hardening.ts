import { sanitise } from '../../text/sanitise.js';
import { lastLine } from '../root-shell.js';
import { reloadCommand, describeSshdMode } from '../sshd-service.js';
import {
  describeTrace,
  dropInBlockers,
  hardeningMismatches,
  OPSDECK_SSHD_FILE,
  parseSshdT,
  renderDropIn,
  SSHD_DROPIN_DIR,
  SSHD_MAIN,
  traceSettings,
  type ConfigFile,
  type Mismatch,
} from '../sshd-config.js';
import { readFileAsRoot, writeFileCommand, type Command, type ProvisionContext, type Step, type StepCheck } from '../step.js';

/** Every drop-in with its text, NUL-separated so no file content can fake a boundary. */
const READ_DROPINS = `for f in ${SSHD_DROPIN_DIR}/*.conf; do [ -f "$f" ] || continue; printf '\\0%s\\0' "$f"; cat -- "$f"; done; exit 0`;

export async function readSshdFiles(ctx: Pick<ProvisionContext, 'shell'>): Promise<{ main: ConfigFile; dropIns: ConfigFile[] }> {
  const main = (await readFileAsRoot(ctx.shell, SSHD_MAIN)) ?? '';
  const r = await ctx.shell.run(['sh', '-c', READ_DROPINS]);
  const parts = r.stdout.split('\0');
  const dropIns: ConfigFile[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) dropIns.push({ path: parts[i]!, text: parts[i + 1]! });
  return { main: { path: SSHD_MAIN, text: main }, dropIns };
}

/** `sshd -T` for a login as `user`, so Match User blocks count. */
export function sshdTArgv(user: string): string[] {
  return ['sshd', '-T', '-C', `user=${user},host=opsdeck-check,addr=127.0.0.1`];
}

export async function effectiveSettings(ctx: Pick<ProvisionContext, 'shell'>, user: string): Promise<{ ok: true; values: Map<string, string> } | { ok: false; error: string }> {
  const r = await ctx.shell.run(sshdTArgv(user));
  if (r.code !== 0) return { ok: false, error: `sshd -T failed: ${lastLine(r)}` };
  return { ok: true, values: parseSshdT(r.stdout) };
}

function mismatchText(user: string, m: readonly Mismatch[]): string {
  return `for ${user}: ${m.map((x) => `${x.keyword} is ${x.got ?? 'unset'} (want ${x.want})`).join(', ')}`;
}

async function allMismatches(ctx: ProvisionContext): Promise<{ lines: string[]; error?: string; port?: number }> {
  const lines: string[] = [];
  let port: number | undefined;
  for (const user of ['root', ctx.settings.deployUser]) {
    const e = await effectiveSettings(ctx, user);
    if (!e.ok) return { lines, error: e.error };
    port ??= Number(e.values.get('port')) || undefined;
    const m = hardeningMismatches(e.values);
    if (m.length) lines.push(mismatchText(user, m));
  }
  return { lines, ...(port ? { port } : {}) };
}

/** passwd -S root: "root L …" locked, "P" usable password, "NP" none. */
async function rootPasswordState(ctx: ProvisionContext): Promise<string> {
  const r = await ctx.shell.run(['passwd', '-S', 'root']);
  return r.code === 0 ? (r.stdout.trim().split(/\s+/)[1] ?? '?') : '?';
}

/**
 * Step 4: SSH keys only, no root login, in /etc/ssh/sshd_config.d/00-opsdeck.conf (read before
 * cloud-init's 50-cloud-init.conf, and sshd keeps the first value it reads). Validated with
 * sshd -t, reloaded the way this server runs sshd, proven with sshd -T and a fresh deploy login
 * while this session stays open; the file is rolled back if any of that fails.
 */
export const sshHardeningStep: Step = {
  id: 'ssh',
  title: 'SSH hardening',
  lockout: true,
  async check(ctx) {
    const files = await readSshdFiles(ctx);
    const trace = traceSettings(files.main, files.dropIns);
    const found = trace.settings.map(describeTrace);
    const current = await allMismatches(ctx);
    if (current.error) return { state: 'refused', found: [...found, current.error], commands: [], notes: [] };
    if (current.port) ctx.facts.sshPort = current.port;
    const rootPw = await rootPasswordState(ctx);
    const wantLock = ctx.settings.lockRootPassword && rootPw !== 'L';
    found.push(current.lines.length ? `sshd -T now: ${current.lines.join('; ')}` : 'sshd -T: keys only, no root login, for root and the deploy user');
    found.push(`root password: ${rootPw === 'L' ? 'locked' : rootPw === 'NP' ? 'EMPTY' : rootPw === 'P' ? 'set (usable on the console)' : 'unknown'}`);
    const ours = files.dropIns.find((f) => f.path === OPSDECK_SSHD_FILE)?.text ?? null;
    if (current.lines.length === 0 && !wantLock) return { state: 'done', found, commands: [], notes: [] };

    const blockers = dropInBlockers(files.main, files.dropIns);
    if (current.lines.length && blockers.length) return { state: 'refused', found: [...found, ...blockers.map((b) => sanitise(b))], commands: [], notes: ['Fix those lines by hand (or remove them), then run provision again: opsdeck will not edit files it did not write.'] };

    const commands: Command[] = [];
    const mode = ctx.facts.sshd ?? { kind: 'per-connection' as const };
    const reload = reloadCommand(mode);
    const want = renderDropIn();
    if (current.lines.length) {
      if (ours !== want) commands.push(writeFileCommand(OPSDECK_SSHD_FILE, want, '0644'));
      commands.push({ argv: ['sshd', '-t'] });
      if (reload) commands.push({ argv: reload });
      commands.push({ argv: sshdTArgv('root') }, { argv: sshdTArgv(ctx.settings.deployUser) });
    }
    if (wantLock) commands.push({ argv: ['passwd', '-l', 'root'] });
    const rollback: Command[] = ours === null ? [{ argv: ['rm', '-f', '--', OPSDECK_SSHD_FILE] }] : [writeFileCommand(OPSDECK_SSHD_FILE, ours, '0644')];
    if (reload) rollback.push({ argv: reload });
    const check: StepCheck = {
      state: 'todo',
      found,
      commands,
      notes: [describeSshdMode(mode), 'This session stays open until a fresh login as the deploy user works; otherwise the file is rolled back.'],
      rollback,
      files: ours !== want && current.lines.length ? [{ path: OPSDECK_SSHD_FILE, text: want }] : [],
      data: { previous: ours, reload },
    };
    if (wantLock) check.notes.push("root's password gets locked: the provider's web console then needs the deploy user (with sudo) instead of root.");
    return check;
  },
  async apply(ctx, check) {
    const lines: string[] = [];
    const reload = (check.data?.reload ?? null) as string[] | null;
    const rollback = async (why: string) => {
      for (const c of check.rollback ?? []) await ctx.run(c).catch(() => undefined);
      lines.push(`${why}; ${OPSDECK_SSHD_FILE} was rolled back${reload ? ' and sshd reloaded' : ''}: nothing else changed`);
      return { ok: false, lines };
    };
    for (const c of check.commands) {
      if (c.argv[0] === 'passwd') continue;
      const r = await ctx.run(c);
      if (c.argv[0] === 'sshd' && c.argv[1] === '-T') {
        const m = hardeningMismatches(parseSshdT(r.stdout));
        if (r.code !== 0 || m.length) return rollback(r.code !== 0 ? `sshd -T failed: ${lastLine(r)}` : `sshd -T still says ${mismatchText(c.argv[3]!.replace(/^user=([^,]*).*/, '$1'), m)}`);
        continue;
      }
      if (r.code !== 0) return rollback(`${c.argv.join(' ')} failed: ${lastLine(r)}`);
    }
    if (check.commands.some((c) => c.argv[0] === 'sshd')) {
      const proof = await ctx.proveDeployLogin();
      if (!proof.ok) return rollback(`a fresh login as ${ctx.settings.deployUser} failed after the change (${proof.reason})`);
      lines.push(`fresh login after the change: ${proof.detail}`);
    }
    const lock = check.commands.find((c) => c.argv[0] === 'passwd');
    if (lock) {
      const r = await ctx.run(lock);
      if (r.code !== 0) {
        lines.push(`passwd -l root failed: ${lastLine(r)}`);
        return { ok: false, lines };
      }
    }
    return { ok: true, lines };
  },
  async verify(ctx) {
    const m = await allMismatches(ctx);
    if (m.error) return { ok: false, lines: [m.error] };
    if (m.lines.length) return { ok: false, lines: m.lines };
    const pw = await rootPasswordState(ctx);
    if (ctx.settings.lockRootPassword && pw !== 'L') return { ok: false, lines: ['root password is not locked'] };
    return { ok: true, lines: ['sshd -T: passwordauthentication no, kbdinteractiveauthentication no, permitrootlogin no, pubkeyauthentication yes'] };
  },
};
