// npm run lab -- up | down [--volumes] | status [--quiet] | packages
// Errors are one line on stderr (exit 1); OPSDECK_DEBUG=1 adds the stack.
import { labDown } from './lab-down.js';
import { formatStatus, isLabUp, labStatus } from './lab-status.js';
import { labUp } from './lab-up.js';
import { ensurePackages, requireRootOnDebian } from './preflight.js';

const USAGE = 'usage: npm run lab -- up | down [--volumes] | status [--quiet] | packages';
const t0 = Date.now();
const log = (line: string) => console.log(`lab: [${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const { started, seconds } = await labUp(log);
      log(started.length ? `started ${started.join(', ')}` : 'already up, nothing to start');
      for (const line of formatStatus(await labStatus())) console.log(line);
      log(`up in ${seconds.toFixed(1)}s`);
      return 0;
    }
    case 'down':
      if (rest.some((a) => a !== '--volumes')) break;
      await labDown(log, { volumes: rest.includes('--volumes') });
      log('down');
      return 0;
    case 'packages': {
      // Only the Debian packages, for the test stages that run before the lab is up (the unit
      // tests run shellcheck on the generated backup script).
      if (rest.length) break;
      requireRootOnDebian();
      const installed = await ensurePackages(log);
      log(installed.length ? `installed ${installed.join(', ')}` : 'every package already installed');
      return 0;
    }
    case 'status': {
      if (rest.some((a) => a !== '--quiet')) break;
      const status = await labStatus();
      if (!rest.includes('--quiet')) for (const line of formatStatus(status)) console.log(line);
      // Scripts can test `npm run lab -- status` for "is the lab up".
      return isLabUp(status) ? 0 : 3;
    }
    default:
      break;
  }
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`lab: ${message.split('\n')[0]}`);
    if (process.env.OPSDECK_DEBUG === '1' && err instanceof Error) console.error(err.stack);
    process.exit(1);
  },
);
