/**
 * Collect CheckFacts over the normal connection, read-only: every command is an argv array run
 * with the connection's exec. Files that only root may read (authorized_keys, host keys, the
 * initramfs image) are read with `sudo -n` when the login user may; otherwise they are
 * reported as unreadable, never guessed.
 */
import type { ExecResult } from '../../transport/exec-types.js';
import type { CheckFacts, HostKeyFact, RemoteText } from './check-facts.js';
import { parseAssignments } from './shell-assignments.js';

export type Exec = (argv: readonly string[], opts?: { timeoutMs?: number; stdin?: Buffer | string; maxBuffer?: number }) => Promise<ExecResult>;

export const DEBIAN_CONFIG_DIRS = ['/etc/dropbear/initramfs', '/etc/dropbear-initramfs'] as const;
const CONFIG_NAMES = ['dropbear.conf', 'config'] as const;
const TIMEOUT = 20_000;

/** Runs argv as the login user, or as root through sudo -n when that was found to work. */
export interface Runner {
  exec: Exec;
  privileged: CheckFacts['privileged'];
  /** Plain first; on "Permission denied", again as root if we can. */
  read(path: string): Promise<RemoteText>;
  asRoot(argv: readonly string[], opts?: Parameters<Exec>[1]): Promise<ExecResult>;
}

const DENIED = /Permission denied|Operation not permitted/i;
const MISSING = /No such file or directory/i;

export async function makeRunner(exec: Exec): Promise<{ runner: Runner; user: string }> {
  const id = await exec(['id', '-un'], { timeoutMs: TIMEOUT });
  const uid = await exec(['id', '-u'], { timeoutMs: TIMEOUT });
  const user = id.stdout.trim() || '?';
  let privileged: CheckFacts['privileged'] = 'none';
  if (uid.stdout.trim() === '0') privileged = 'root';
  else if ((await exec(['sudo', '-n', 'true'], { timeoutMs: TIMEOUT }).catch(() => ({ code: 1 }) as ExecResult)).code === 0) privileged = 'sudo';
  const asRoot: Runner['asRoot'] = (argv, opts) => exec(privileged === 'sudo' ? ['sudo', '-n', ...argv] : argv, { timeoutMs: TIMEOUT, ...opts });
  const readOnce = async (run: Exec, path: string): Promise<RemoteText | 'denied'> => {
    const r = await run(['env', 'LC_ALL=C', 'cat', '--', path], { timeoutMs: TIMEOUT });
    if (r.code === 0) {
      const st = await run(['stat', '-c', '%Y', '--', path], { timeoutMs: TIMEOUT });
      const mtime = Number(st.stdout.trim());
      return { status: 'ok', text: r.stdout, ...(st.code === 0 && Number.isFinite(mtime) ? { mtime } : {}) };
    }
    if (MISSING.test(r.stderr)) return { status: 'missing' };
    if (DENIED.test(r.stderr)) return 'denied';
    return { status: 'error', detail: r.stderr.trim().split('\n').pop() ?? `exit status ${r.code}` };
  };
  const runner: Runner = {
    exec,
    privileged,
    asRoot,
    read: async (path) => {
      const first = await readOnce(exec, path);
      if (first !== 'denied') return first;
      if (privileged !== 'sudo') return { status: 'denied' };
      const again = await readOnce((argv, o) => asRoot(argv, o), path);
      return again === 'denied' ? { status: 'denied' } : again;
    },
  };
  return { runner, user };
}

async function isDir(exec: Exec, path: string): Promise<boolean> {
  return (await exec(['test', '-d', path], { timeoutMs: TIMEOUT })).code === 0;
}

export async function gatherFacts(exec: Exec, opts: { configDir?: string | undefined } = {}): Promise<CheckFacts> {
  const { runner, user } = await makeRunner(exec);

  const dpkgRun = await exec(['dpkg-query', '-W', '-f', '${Status}\t${Version}', 'dropbear-initramfs'], { timeoutMs: TIMEOUT });
  let dpkg: CheckFacts['dpkg'];
  if (dpkgRun.code === 127) dpkg = { status: 'unknown', detail: 'no dpkg-query on the server (not Debian or Ubuntu?)' };
  else if (dpkgRun.code === 0 && /install ok installed/.test(dpkgRun.stdout)) dpkg = { status: 'installed', version: dpkgRun.stdout.split('\t')[1]?.trim() ?? '' };
  else dpkg = { status: 'not-installed' };

  let configDir: CheckFacts['configDir'];
  if (opts.configDir) configDir = { path: opts.configDir, exists: await isDir(exec, opts.configDir), fromProfile: true };
  else {
    configDir = { path: DEBIAN_CONFIG_DIRS[0], exists: false, fromProfile: false };
    for (const d of DEBIAN_CONFIG_DIRS) {
      if (await isDir(exec, d)) {
        configDir = { path: d, exists: true, fromProfile: false };
        break;
      }
    }
  }

  let config: CheckFacts['config'];
  for (const name of CONFIG_NAMES) {
    const path = `${configDir.path}/${name}`;
    const read = await runner.read(path);
    if (read.status !== 'missing') {
      config = { path, read };
      break;
    }
  }
  const authorizedKeys = { path: `${configDir.path}/authorized_keys`, read: await runner.read(`${configDir.path}/authorized_keys`) };

  // Host keys: dropbear_<type>_host_key in the config dir, printed by dropbearkey -y.
  const hostKeys: HostKeyFact[] = [];
  let hostKeyListing: CheckFacts['hostKeyListing'] = 'missing';
  if (configDir.exists) {
    let ls = await exec(['ls', '-1', '--', configDir.path], { timeoutMs: TIMEOUT });
    if (ls.code !== 0 && DENIED.test(ls.stderr) && runner.privileged === 'sudo') ls = await runner.asRoot(['ls', '-1', '--', configDir.path]);
    if (ls.code === 0) {
      hostKeyListing = 'ok';
      for (const name of ls.stdout.split('\n').filter((n) => /^dropbear_[a-z0-9]+_host_key$/.test(n.trim()))) {
        hostKeys.push(await readHostKey(runner, `${configDir.path}/${name.trim()}`));
      }
    } else if (DENIED.test(ls.stderr)) hostKeyListing = 'denied';
  }

  const release = (await exec(['uname', '-r'], { timeoutMs: TIMEOUT })).stdout.trim();
  const image = await readImage(runner, `/boot/initrd.img-${release}`);

  const cmdline = await runner.read('/proc/cmdline');
  const assignments: CheckFacts['network']['assignments'] = [];
  const confFiles = ['/etc/initramfs-tools/initramfs.conf'];
  const confd = await exec(['ls', '-1', '--', '/etc/initramfs-tools/conf.d'], { timeoutMs: TIMEOUT });
  if (confd.code === 0) for (const n of confd.stdout.split('\n').map((s) => s.trim()).filter(Boolean).sort()) confFiles.push(`/etc/initramfs-tools/conf.d/${n}`);
  for (const file of confFiles) {
    const r = await runner.read(file);
    if (r.status !== 'ok') continue;
    for (const a of parseAssignments(r.text)) if (a.name === 'IP' || a.name === 'DEVICE') assignments.push({ file, name: a.name, value: a.value });
  }
  const grub = await runner.read('/etc/default/grub');
  const grubCmdline =
    grub.status === 'ok'
      ? parseAssignments(grub.text)
          .filter((a) => a.name === 'GRUB_CMDLINE_LINUX' || a.name === 'GRUB_CMDLINE_LINUX_DEFAULT')
          .map((a) => a.value)
          .join(' ')
      : undefined;

  const updateInitramfs = (await exec(['update-initramfs', '-h'], { timeoutMs: TIMEOUT })).code !== 127;

  return {
    user,
    privileged: runner.privileged,
    dpkg,
    configDir,
    config,
    authorizedKeys,
    hostKeys,
    hostKeyListing,
    image,
    network: { cmdline: cmdline.status === 'ok' ? cmdline.text : undefined, assignments, grubCmdline },
    updateInitramfs,
  };
}

/** `dropbearkey -y -f FILE` prints "Public key portion is:", the OpenSSH public key line, then a fingerprint. */
export function parseDropbearkeyOutput(out: string): { keyType: string; blob: Buffer } | undefined {
  const line = out.split('\n').find((l) => /^(?:ssh-|ecdsa-)/.test(l.trim()));
  if (!line) return undefined;
  const [keyType, b64] = line.trim().split(/\s+/);
  if (!keyType || !b64) return undefined;
  return { keyType, blob: Buffer.from(b64, 'base64') };
}

async function readHostKey(runner: Runner, file: string): Promise<HostKeyFact> {
  let r = await runner.exec(['dropbearkey', '-y', '-f', file], { timeoutMs: TIMEOUT });
  if (r.code !== 0 && runner.privileged === 'sudo') r = await runner.asRoot(['dropbearkey', '-y', '-f', file]);
  if (r.code === 127) return { file, status: 'error', detail: 'dropbearkey is not installed (package dropbear-bin)' };
  const parsed = r.code === 0 ? parseDropbearkeyOutput(r.stdout) : undefined;
  if (parsed) return { file, status: 'ok', ...parsed };
  const said = `${r.stdout}\n${r.stderr}`;
  if (DENIED.test(said) || /Couldn't read|Failed reading/i.test(said)) return { file, status: 'denied', detail: 'only root can read it' };
  return { file, status: 'error', detail: said.trim().split('\n').pop() ?? `exit status ${r.code}` };
}

async function readImage(runner: Runner, path: string): Promise<CheckFacts['image']> {
  const st = await runner.exec(['stat', '-c', '%Y', '--', path], { timeoutMs: TIMEOUT });
  if (st.code !== 0) return MISSING.test(st.stderr) ? { path, status: 'missing' } : { path, status: 'error', detail: st.stderr.trim() };
  const mtime = Number(st.stdout.trim());
  // lsinitramfs unpacks a few MB; give it time and room.
  let r = await runner.exec(['lsinitramfs', path], { timeoutMs: 120_000, maxBuffer: 32 * 1024 * 1024 });
  if (r.code === 127) return { path, status: 'no-tool', mtime };
  if (r.code !== 0 && runner.privileged === 'sudo') r = await runner.asRoot(['lsinitramfs', path], { timeoutMs: 120_000, maxBuffer: 32 * 1024 * 1024 });
  if (r.code !== 0) {
    if (DENIED.test(r.stderr)) return { path, status: 'denied', mtime };
    return { path, status: 'error', mtime, detail: r.stderr.trim().split('\n').pop() ?? `exit status ${r.code}` };
  }
  return { path, status: 'ok', mtime, listing: r.stdout.split('\n') };
}
