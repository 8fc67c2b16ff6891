// The loader at the top of the single file (dist/opsdeck.mjs): finds or writes the split bundle
// it carries in this user's cache (scripts/single-file-cache.mjs), then imports its entry, which
// runs opsdeck with this process's argv. The build fills in __OPSDECK_MANIFEST__.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { unpackedDir } from './single-file-cache.mjs';

const manifest = __OPSDECK_MANIFEST__;
let dir;
try {
  let home = '';
  try {
    home = os.homedir();
  } catch {
    // no HOME and no passwd entry: the temporary directory it is
  }
  dir = unpackedDir({ self: fileURLToPath(import.meta.url), manifest, env: process.env, home, tmp: os.tmpdir(), uid: process.getuid?.() });
} catch (err) {
  process.stderr.write(`opsdeck: ${oneLine(err)}\n`);
  process.stderr.write('hint: set XDG_CACHE_HOME to a directory of yours that you can write to\n');
  process.exit(2);
}
try {
  await import(pathToFileURL(path.join(dir, manifest.entry)).href);
} catch (err) {
  // The entry handles its own errors; this is one that kept it from loading: one line, no stack.
  process.stderr.write(`opsdeck: ${oneLine(err)}\n`);
  process.exit(2);
}

function oneLine(err) {
  return String(err?.message ?? err).replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ').slice(0, 500);
}
