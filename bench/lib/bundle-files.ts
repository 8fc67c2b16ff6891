/**
 * A built bundle is its entry file plus the chunks beside it (scripts/bundle.mjs): copied and
 * hashed together, so a benchmark runs and names exactly what ships.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CHUNK_DIR } from '../../scripts/bundle.mjs';

export { copyBundle, shippedNodeFlags } from '../../scripts/bundle.mjs';

/** The entry file first, then every file under its chunk directory (native addons too), in path order. */
export function bundleFiles(entry: string): string[] {
  const dir = path.join(path.dirname(entry), CHUNK_DIR);
  const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
  return [entry, ...files.map((d) => path.join(d.parentPath ?? d.path, d.name)).sort()];
}
