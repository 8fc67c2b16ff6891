// A freshly delivered Debian 12 VPS for `opsdeck provision` / `opsdeck audit` tests: a container on
// the lab's dockerd, in its own network namespace (--network none, NET_ADMIN only there, so ufw
// and iptables inside it never touch this machine's firewall), reached by opsdeck's own SSH
// transport through a ProxyCommand that runs `sshd -i` in it.
//
//   await ensureFreshVpsImage(log);          // mmdebstrap + docker import once, cached by a hash
//   const vps = await startFreshVps();        // a new container, a new host key, its own ssh_config
//   await vps.setRootPassword(pw);            // through chpasswd's stdin, never argv
//   … opsdeck provision --ssh-config vps.sshConfig --host root@<vps.alias> …
//   await vps.remove();                       // by the name this file generated
//
// The image is the rootfs recipe below plus test/lab/fresh-vps/ (Dockerfile, init, cloud-init
// drop-in); its tag is a hash of all of it, like the lab's own images (test/lab/images.ts).
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { followProgress, imageId } from './images.js';
import { labDocker, labInfo } from './api.js';
import { execInContainer, type ExecResult } from './docker-exec.js';
import { labPaths } from './paths.js';
import { run } from './run-command.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), 'fresh-vps');
/** Containers this file started carry this label, so a crashed run's leftovers can be found. */
export const FRESH_VPS_LABEL = 'opsdeck-lab.fresh-vps';

/**
 * What a provider's Debian 12 image has, plus what `provision` would otherwise download: Docker
 * Engine and compose from Debian's own packages (docker.io, docker-compose 1.29: bookworm has no
 * compose v2 plugin) and unattended-upgrades. Part of the cache key.
 */
const ROOTFS_ARGS = [
  '--variant=apt',
  '--include=openssh-server,sudo,ufw,iptables,unattended-upgrades,passwd,adduser,procps,docker.io,docker-compose',
  '--aptopt=APT::Install-Recommends "false"',
  '--dpkgopt=path-exclude=/usr/share/doc/*',
  '--dpkgopt=path-exclude=/usr/share/man/*',
  '--dpkgopt=path-exclude=/usr/share/info/*',
  '--dpkgopt=path-exclude=/usr/share/locale/*',
  'bookworm',
];

function hashParts(parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 12);
}

function srcFiles(): string[] {
  return readdirSync(SRC)
    .filter((f) => statSync(join(SRC, f)).isFile())
    .sort();
}

export function freshVpsRootfsTag(): string {
  return `opsdeck-lab/debian-fresh-vps-rootfs:${hashParts(ROOTFS_ARGS)}`;
}

export function freshVpsImageTag(): string {
  return `opsdeck-lab/fresh-vps:${hashParts([freshVpsRootfsTag(), ...srcFiles().flatMap((f) => [f, readFileSync(join(SRC, f))])])}`;
}

/** Build (once) and return the image tag. Reports how long each part took through `log`. */
export async function ensureFreshVpsImage(log: (line: string) => void = () => undefined): Promise<string> {
  const docker = labDocker();
  const tag = freshVpsImageTag();
  if (await imageId(docker, tag)) return tag;
  const paths = labPaths(labInfo().labDir);
  const rootfs = freshVpsRootfsTag();
  if (!(await imageId(docker, rootfs))) {
    mkdirSync(paths.buildDir, { recursive: true });
    const tarball = join(paths.buildDir, 'fresh-vps-rootfs.tar');
    const partial = `${tarball}.partial`;
    rmSync(partial, { force: true });
    log('building the fresh-VPS rootfs with mmdebstrap (once)');
    const t0 = Date.now();
    await run(['mmdebstrap', '--quiet', '--format=tar', ...ROOTFS_ARGS, partial], { timeoutMs: 900_000 });
    renameSync(partial, tarball);
    log(`rootfs ready in ${Math.round((Date.now() - t0) / 1000)}s; importing it`);
    const t1 = Date.now();
    const [repo, version] = rootfs.split(':') as [string, string];
    const stream = await docker.importImage(createReadStream(tarball) as unknown as string, { repo, tag: version });
    await followProgress(docker, stream, `importing ${rootfs}`);
    rmSync(tarball, { force: true });
    if (!(await imageId(docker, rootfs))) throw new Error(`importing ${rootfs} left no image`);
    log(`imported in ${Math.round((Date.now() - t1) / 1000)}s`);
  }
  const context = join(paths.buildDir, 'fresh-vps');
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context, { recursive: true });
  for (const f of srcFiles()) writeFileSync(join(context, f), readFileSync(join(SRC, f)));
  const stream = await docker.buildImage({ context, src: srcFiles() }, { t: tag, buildargs: { ROOTFS: rootfs }, rm: true, forcerm: true });
  await followProgress(docker, stream, `building ${tag}`);
  rmSync(context, { recursive: true, force: true });
  if (!(await imageId(docker, tag))) throw new Error(`building ${tag} left no image`);
  return tag;
}

export interface FreshVps {
  /** Container name, also the ssh_config Host alias and HostName. */
  name: string;
  /** A directory of this VPS's client files (ssh_config, known_hosts, the operator's key). */
  dir: string;
  sshConfig: string;
  knownHosts: string;
  /** The operator's key pair (no passphrase): the key provision installs for the deploy user. */
  operatorKey: string;
  /** Run argv in the container as root (the test's view from the provider's console). */
  exec(argv: string[], input?: string): Promise<ExecResult>;
  setRootPassword(password: string): Promise<void>;
  /** Kind, mode, owner, size and sha256 of everything under the given roots: "did anything change?". */
  snapshot(roots?: string[]): Promise<string>;
  remove(): Promise<void>;
}

export async function startFreshVps(): Promise<FreshVps> {
  const info = labInfo();
  const docker = labDocker(info);
  const image = await ensureFreshVpsImage();
  const name = `opsdeck-vps-${randomBytes(4).toString('hex')}`;
  const container = await docker.createContainer({
    name,
    Image: image,
    Labels: { [FRESH_VPS_LABEL]: '1' },
    HostConfig: { NetworkMode: 'none', CapAdd: ['NET_ADMIN'], Init: true },
  });
  const dir = mkdtempSync(join(os.tmpdir(), `${name}-`));
  const remove = async () => {
    await container.remove({ force: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await container.start();
    const exec = (argv: string[], input?: string) => execInContainer(docker, name, argv, input === undefined ? {} : { input });
    for (let i = 0; ; i++) {
      const r = await exec(['test', '-s', '/etc/ssh/ssh_host_ed25519_key.pub']);
      if (r.code === 0) break;
      if (i > 200) throw new Error(`${name}: no SSH host key after 10 s`);
      await new Promise((r2) => setTimeout(r2, 50));
    }
    const operatorKey = join(dir, 'operator_ed25519');
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'operator@opsdeck-test', '-f', operatorKey]);
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, '');
    const sshConfig = join(dir, 'ssh_config');
    writeFileSync(
      sshConfig,
      [
        `Host ${name}`,
        `  HostName ${name}`,
        `  ProxyCommand docker -H unix://${info.docker.socketPath} exec -i ${name} /usr/sbin/sshd -i`,
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile none',
        `  IdentityFile ${operatorKey}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        '',
      ].join('\n'),
    );
    chmodSync(sshConfig, 0o600);
    return {
      name,
      dir,
      sshConfig,
      knownHosts,
      operatorKey,
      exec,
      async setRootPassword(password) {
        const r = await exec(['chpasswd'], `root:${password}\n`);
        if (r.code !== 0) throw new Error(`chpasswd failed: ${r.stderr.trim()}`);
      },
      async snapshot(roots = ['/etc', '/root', '/home', '/opt']) {
        const script =
          'for r in "$@"; do [ -e "$r" ] || continue; find "$r" -xdev -printf "%y %m %u:%g %s %p\\n"; find "$r" -xdev -type f -exec sha256sum {} +; done | LC_ALL=C sort';
        const r = await exec(['sh', '-c', script, 'snapshot', ...roots]);
        if (r.code !== 0) throw new Error(`snapshot failed: ${r.stderr.trim()}`);
        return r.stdout;
      },
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** Containers of earlier runs that died before their cleanup (by our label only). */
export async function removeStaleFreshVps(): Promise<string[]> {
  const docker = labDocker();
  const list = await docker.listContainers({ all: true, filters: { label: [FRESH_VPS_LABEL] } });
  const removed: string[] = [];
  for (const c of list) {
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    removed.push(c.Names[0] ?? c.Id);
  }
  return removed;
}

// `tsx test/lab/fresh-vps.ts build`: build the image ahead of the tests and say how long it took.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === 'build') {
  const t0 = Date.now();
  ensureFreshVpsImage((l) => console.log(l)).then(
    (tag) => console.log(`${tag} ready after ${Math.round((Date.now() - t0) / 1000)}s`),
    (err: unknown) => {
      console.error((err as Error).message);
      process.exit(1);
    },
  );
}
