// What an SSH client needs to reach the lab, written into the lab dir: known_hosts files pinned
// to the lab's host keys, and an ssh_config with one Host per server (web-1's opsdeck-lab, the
// initramfs's opsdeck-lab-unlock, then opsdeck-lab-db and opsdeck-lab-staging), so that
//   ssh -F LABDIR/ssh_config opsdeck-lab docker -H unix://SOCKET ps
//   ssh -F LABDIR/ssh_config opsdeck-lab-db docker ps      (DOCKER_HOST set by that sshd)
// work with StrictHostKeyChecking on, exactly as opsdeck will read it.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPaths } from './paths.js';
import { DEPLOY_USER, UNLOCK_USER } from './preflight.js';
import { knownHostsLine, type HostKey } from './ssh-keys.js';

export const SSH_HOST_ALIAS = 'opsdeck-lab';
export const UNLOCK_HOST_ALIAS = 'opsdeck-lab-unlock';
export const LAB_HOST = '127.0.0.1';

/** A fleet server as the client sees it: its alias, port, host keys and own known_hosts file. */
export interface ClientServer {
  hostAlias: string;
  port: number;
  hostKeys: HostKey[];
  knownHosts: string;
}

function hostBlock(alias: string, port: number, user: string, key: string, knownHosts: string): string {
  return `Host ${alias}
  HostName ${LAB_HOST}
  Port ${port}
  User ${user}
  IdentityFile ${key}
  IdentitiesOnly yes
  UserKnownHostsFile ${knownHosts}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
`;
}

/** Tests read these files while a second `lab up` may rewrite them: never let one see half a file. */
function writeFileAtomic(path: string, content: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

export function writeClientConfig(
  paths: LabPaths,
  sshd: { port: number; hostKeys: HostKey[] },
  dropbear: { port: number; hostKeys: HostKey[] },
  fleet: ClientServer[] = [],
): void {
  const lines = (port: number, keys: HostKey[]) => keys.map((k) => `${knownHostsLine(LAB_HOST, port, k)}\n`).join('');
  writeFileAtomic(paths.knownHosts, lines(sshd.port, sshd.hostKeys), 0o644);
  writeFileAtomic(paths.dropbearKnownHosts, lines(dropbear.port, dropbear.hostKeys), 0o644);
  // Each fleet server pins its keys in a file of its own, so a test can change one server's
  // pinned key (a "host key changed" case) without touching the others.
  for (const server of fleet) writeFileAtomic(server.knownHosts, lines(server.port, server.hostKeys), 0o644);
  writeFileAtomic(
    paths.sshConfig,
    [
      '# Written by the opsdeck lab (test/lab/client-config.ts) on every `lab up`.\n',
      hostBlock(SSH_HOST_ALIAS, sshd.port, DEPLOY_USER, paths.deployKey, paths.knownHosts),
      hostBlock(UNLOCK_HOST_ALIAS, dropbear.port, UNLOCK_USER, paths.unlockKey, paths.dropbearKnownHosts),
      ...fleet.map((server) => hostBlock(server.hostAlias, server.port, DEPLOY_USER, paths.deployKey, server.knownHosts)),
    ].join('\n'),
    0o644,
  );
  // The docker CLI's ssh:// transport runs plain `ssh HOST …` and has no way to pass -F; an
  // `ssh` earlier in PATH that adds it lets `docker -H ssh://opsdeck-lab` work without
  // touching anyone's ~/.ssh/config.
  mkdirSync(paths.sshWrapperDir, { recursive: true, mode: 0o755 });
  writeFileAtomic(join(paths.sshWrapperDir, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${paths.sshConfig}' "$@"\n`, 0o755);
}
