import { execFileSync } from 'node:child_process';

/** Whether Docker Compose (the plugin or the old docker-compose) is installed on this machine. */
export function composeInstalled(): boolean {
  for (const argv of [
    ['docker', 'compose', 'version'],
    ['docker-compose', 'version'],
  ]) {
    try {
      execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}
