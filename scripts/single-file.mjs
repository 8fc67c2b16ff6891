// Builds the single file (dist/opsdeck.mjs) from a split bundle (scripts/bundle.mjs's buildBundle:
// an entry, its chunks, ssh2's native addon): a small loader (scripts/single-file-loader.mjs)
// followed by every file of the split bundle, brotli-compressed and base64-encoded inside one
// comment at the end. V8 only scans the comment (~0.9 MB) at start-up; the loader reads it only on
// a user's first run of a build, writes the files to a private cache directory named by their
// hash, and from then on checks that directory and imports the entry from it, so each command
// still parses only the chunks it runs. Measured against the split bundle and one unsplit file
// in bench/install.ts.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { cacheKey, contentHash, PAYLOAD_MARK } from './single-file-cache.mjs';

/** The split bundle at `entry` (plus every file under its directory's chunk dir), in a fixed order. */
export function splitFiles(entry, chunkDir) {
  const root = dirname(entry);
  const chunks = readdirSync(join(root, chunkDir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(root, join(d.parentPath ?? d.path, d.name)).split(sep).join('/'))
    .sort();
  return [basename(entry), ...chunks].map((p) => ({ path: p, data: readFileSync(join(root, p)) }));
}

/** What the loader checks a cache directory against, and names it by. */
export function manifestOf(files, version) {
  const hash = contentHash(files);
  return { key: cacheKey(version, hash), hash, entry: files[0].path, files: files.map((f) => ({ path: f.path, size: f.data.length })) };
}

/**
 * Write the single file `outfile` carrying the split bundle at `splitEntry` (chunks in
 * `chunkDir` beside it); `flags` are the Node options of its hashbang, `label` the version line.
 */
export async function packSingleFile(splitEntry, outfile, { chunkDir, flags, version, label }) {
  const files = splitFiles(splitEntry, chunkDir);
  const manifest = manifestOf(files, version);
  const all = Buffer.concat(files.map((f) => f.data));
  // Quality 9: 3.0 MB -> ~0.68 MB in ~0.3 s; 11 saves another 9 % for 6 s of build.
  const packed = zlib.brotliCompressSync(all, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: all.length } });
  const loader = await build({
    entryPoints: [fileURLToPath(new URL('./single-file-loader.mjs', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    define: { __OPSDECK_MANIFEST__: JSON.stringify(manifest) },
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const text = [
    `#!/usr/bin/env -S node ${flags.join(' ')}`,
    `// ${label}: one file, no node_modules; needs node >= 20. On a user's first run it unpacks itself`,
    `// into $XDG_CACHE_HOME/opsdeck/${manifest.key}/ (or ~/.cache/opsdeck/, else a private directory under the temporary directory).`,
    loader.outputFiles[0].text.trimEnd(),
    `${PAYLOAD_MARK}${packed.toString('base64')}\n*/`,
    '',
  ].join('\n');
  mkdirSync(dirname(outfile), { recursive: true });
  const tmp = `${outfile}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  chmodSync(tmp, 0o755);
  renameSync(tmp, outfile);
  return { manifest, bytes: Buffer.byteLength(text), unpackedBytes: all.length };
}
