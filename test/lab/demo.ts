// `npm run demo`: bring the lab up if it is not, then open opsdeck's fleet view on its three
// servers over SSH (web-1, db-1, staging-1 in group `shop`), the way an operator would open it
// on real servers: a profile store, ssh_config Host aliases, key logins, pinned host keys.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { labUp } from './lab-up.js';
import { isLabUp, labStatus } from './lab-status.js';
import { labInfo, writeFleetProfiles } from './api.js';
import { FLEET_GROUP } from './fleet.js';

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
// Rewritten on every demo from lab.json, so it always names the lab's current sockets and aliases.
const profiles = writeFleetProfiles(join(info.labDir, 'fleet-profiles.json'));
const args = [...entry, '--config', profiles, '--ssh-config', info.sshd.sshConfigPath, '--group', FLEET_GROUP];
console.log(`opsdeck ${args.slice(entry.length).join(' ')}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
