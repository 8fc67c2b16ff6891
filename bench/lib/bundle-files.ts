/**
 * A built bundle is its entry file plus the chunks beside it (scripts/bundle.mjs): copied and
 * hashed together, so a benchmark runs and names exactly what ships.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CHUNK_DIR } from '../../scripts/bundle.mjs';

export { copyBundle } from '../../scripts/bundle.mjs';

/** The entry file first, then its chunks in name order. */
export function bundleFiles(entry: string): string[] {
  const dir = path.join(path.dirname(entry), CHUNK_DIR);
  return [entry, ...fs.readdirSync(dir).sort().map((f) => path.join(dir, f))];
}
