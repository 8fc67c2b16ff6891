// What the lab needs from the machine before it can start anything: root, Debian, a handful of
// Debian packages (installed on a fresh CI machine, left alone when present) and two users.
import { existsSync } from 'node:fs';
import { probe, run } from './run-command.js';

/** Debian packages and the one file each must provide. */
const PACKAGES: Record<string, string> = {
  'docker.io': '/usr/sbin/dockerd',
  containerd: '/usr/bin/containerd',
  'openssh-server': '/usr/sbin/sshd',
  'openssh-client': '/usr/bin/ssh-keygen',
  'dropbear-bin': '/usr/sbin/dropbear',
  'busybox-static': '/bin/busybox',
  mmdebstrap: '/usr/bin/mmdebstrap',
  // The backup pipeline runs on the lab host as it would on a server: gpg, rsync to the storage
  // box stand-in, and shellcheck for the generated cron script.
  gpg: '/usr/bin/gpg',
  rsync: '/usr/bin/rsync',
  shellcheck: '/usr/bin/shellcheck',
  // The crontab binary for `backup schedule` (the cron daemon itself is not needed by the tests).
  cron: '/usr/bin/crontab',
  // The deploy-with-rollback runbook runs Compose on the server; bookworm ships Compose v1.
  'docker-compose': '/usr/bin/docker-compose',
  // `opsdeck completion zsh|fish` is checked by each shell itself (zsh -n, fish -n, a scripted completion).
  zsh: '/usr/bin/zsh',
  fish: '/usr/bin/fish',
};

export const DEPLOY_USER = 'deploy';
export const UNLOCK_USER = 'unlock';

export function requireRootOnDebian(): void {
  if (process.platform !== 'linux' || !existsSync('/etc/debian_version')) {
    throw new Error('the lab runs on Debian only (it uses apt, dpkg and Debian packages)');
  }
  if (process.getuid?.() !== 0) {
    throw new Error('the lab must run as root (it starts dockerd, sshd and dropbear): try sudo npm run lab -- up');
  }
}

async function isInstalled(pkg: string): Promise<boolean> {
  const { code, stdout } = await probe(['dpkg-query', '-W', '-f=${Status}', pkg]);
  return code === 0 && stdout.trim() === 'install ok installed';
}

/** apt-get update once, then install only what is missing. Returns what was installed. */
export async function ensurePackages(log: (line: string) => void): Promise<string[]> {
  const missing: string[] = [];
  for (const [pkg, file] of Object.entries(PACKAGES)) {
    if (!existsSync(file) || !(await isInstalled(pkg))) missing.push(pkg);
  }
  if (missing.length === 0) return [];
  log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run(['apt-get', 'update'], { env, timeoutMs: 300_000 });
  // With recommends: mmdebstrap wants gpg and the archive keyring it recommends.
  await run(['apt-get', 'install', '-y', ...missing], { env, timeoutMs: 900_000 });
  return missing;
}

async function userExists(name: string): Promise<boolean> {
  return (await probe(['getent', 'passwd', name])).code === 0;
}

/**
 * A login user whose password field is `*`: no password can ever match, yet sshd with
 * `UsePAM no` still accepts key logins (it refuses accounts locked with `!`, the useradd default).
 */
export async function ensureUser(name: string, opts: { shell: string; groups?: string[] }): Promise<void> {
  if (!(await userExists(name))) {
    const groups = opts.groups?.length ? ['-G', opts.groups.join(',')] : [];
    await run(['useradd', '-m', '-s', opts.shell, ...groups, name]);
  } else if (opts.groups?.length) {
    await run(['usermod', '-a', '-G', opts.groups.join(','), name]);
  }
  const shadow = (await run(['getent', 'shadow', name])).split(':');
  if (shadow[1] !== '*') await run(['usermod', '-p', '*', name]);
}

export async function ensureDockerGroup(): Promise<void> {
  if ((await probe(['getent', 'group', 'docker'])).code !== 0) await run(['groupadd', '--system', 'docker']);
}

/** Numeric uid/gid, for chown from Node. */
export async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = (await run(['getent', 'passwd', name])).split(':').slice(2, 4).map(Number);
  if (uid === undefined || gid === undefined || Number.isNaN(uid) || Number.isNaN(gid)) throw new Error(`cannot read uid/gid of ${name}`);
  return { uid, gid };
}
