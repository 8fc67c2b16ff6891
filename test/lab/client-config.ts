// What an SSH client needs to reach the lab, written into the lab dir: known_hosts files pinned
// to the lab's host keys, and an ssh_config with one Host per server, so that
//   ssh -F LABDIR/ssh_config opsdeck-lab docker -H unix://SOCKET ps
// works with StrictHostKeyChecking on, exactly as opsdeck will read it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPaths } from './paths.js';
import { DEPLOY_USER, UNLOCK_USER } from './preflight.js';
import { knownHostsLine, type HostKey } from './ssh-keys.js';

export const SSH_HOST_ALIAS = 'opsdeck-lab';
export const UNLOCK_HOST_ALIAS = 'opsdeck-lab-unlock';
export const LAB_HOST = '127.0.0.1';

export function writeClientConfig(
  paths: LabPaths,
  sshd: { port: number; hostKeys: HostKey[] },
  dropbear: { port: number; hostKeys: HostKey[] },
): void {
  const lines = (port: number, keys: HostKey[]) => keys.map((k) => `${knownHostsLine(LAB_HOST, port, k)}\n`).join('');
  writeFileSync(paths.knownHosts, lines(sshd.port, sshd.hostKeys), { mode: 0o644 });
  writeFileSync(paths.dropbearKnownHosts, lines(dropbear.port, dropbear.hostKeys), { mode: 0o644 });
  writeFileSync(
    paths.sshConfig,
    `# Written by the opsdeck lab (test/lab/client-config.ts) on every \`lab up\`.
Host ${SSH_HOST_ALIAS}
  HostName ${LAB_HOST}
  Port ${sshd.port}
  User ${DEPLOY_USER}
  IdentityFile ${paths.deployKey}
  IdentitiesOnly yes
  UserKnownHostsFile ${paths.knownHosts}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes

Host ${UNLOCK_HOST_ALIAS}
  HostName ${LAB_HOST}
  Port ${dropbear.port}
  User ${UNLOCK_USER}
  IdentityFile ${paths.unlockKey}
  IdentitiesOnly yes
  UserKnownHostsFile ${paths.dropbearKnownHosts}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
`,
    { mode: 0o644 },
  );
  // The docker CLI's ssh:// transport runs plain `ssh HOST …` and has no way to pass -F; an
  // `ssh` earlier in PATH that adds it lets `docker -H ssh://opsdeck-lab` work without
  // touching anyone's ~/.ssh/config.
  mkdirSync(paths.sshWrapperDir, { recursive: true, mode: 0o755 });
  writeFileSync(join(paths.sshWrapperDir, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${paths.sshConfig}' "$@"\n`, { mode: 0o755 });
}
