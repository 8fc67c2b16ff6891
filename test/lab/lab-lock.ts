// One lab command at a time: `up` and `down` racing each other (two terminals, or CI retrying)
// would start two dockerds on one data-root. The lock file holds the owner's pid; a lock whose
// owner is gone is stale and taken over.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive } from './processes.js';

export function acquireLabLock(lockFile: string): () => void {
  mkdirSync(dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new Error(`another lab command is running (pid ${owner}); wait for it, or remove ${lockFile} if it is gone`);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not take the lab lock ${lockFile}`);
}
