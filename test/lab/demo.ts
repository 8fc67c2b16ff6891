// `npm run demo`: bring the lab up if it is not, then open opsdeck on it over SSH, the way an
// operator would open it on a real server (an ssh_config Host alias, key login, pinned host key).
import { spawnSync } from 'node:child_process';
import { labUp } from './lab-up.js';
import { isLabUp, labStatus } from './lab-status.js';
import { labInfo } from './api.js';

if (!isLabUp(await labStatus())) {
  console.log('Starting the lab (the first run installs packages and builds images: a few minutes)…');
  await labUp((line) => console.log(line));
}
const info = labInfo();
const args = [
  '--import',
  'tsx',
  'bin/opsdeck.ts',
  '--ssh-config',
  info.sshd.sshConfigPath,
  '--host',
  info.sshd.hostAlias,
  '--socket',
  info.docker.socketPath,
];
console.log(`opsdeck ${args.slice(3).join(' ')}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
