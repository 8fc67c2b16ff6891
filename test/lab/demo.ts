// `npm run demo`: bring the lab up if it is not, then open opsdeck on it over SSH, the way an
// operator would open it on a real server (an ssh_config Host alias, key login, pinned host key).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { labUp } from './lab-up.js';
import { isLabUp, labStatus } from './lab-status.js';
import { labInfo } from './api.js';

try {
  if (!isLabUp(await labStatus())) {
    console.log('Starting the lab (the first run installs packages and builds images: a few minutes)…');
    await labUp((line) => console.log(line));
  }
} catch (err) {
  // Not root, not Debian, a package that would not install: one line, no stack.
  console.error(`demo: ${(err as Error).message}`);
  process.exit(2);
}
const info = labInfo();
// The compiled build (npm ci builds it; `npm run demo` rebuilds it first), as an operator runs it;
// tsx only when there is none.
const entry = existsSync('dist/bin/opsdeck.js') ? ['dist/bin/opsdeck.js'] : ['--import', 'tsx', 'bin/opsdeck.ts'];
const args = [
  ...entry,
  '--ssh-config',
  info.sshd.sshConfigPath,
  '--host',
  info.sshd.hostAlias,
  '--socket',
  info.docker.socketPath,
];
console.log(`opsdeck ${args.slice(entry.length).join(' ')}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
