// Builds dist/opsdeck.mjs, the one file an operator copies to a server and runs with plain `node`
// (no node_modules beside it), from a split bundle in dist/split/: opsdeck.mjs and its chunks in
// opsdeck-chunks/. The one file carries the split bundle and unpacks it once per user into a
// private cache directory (scripts/single-file.mjs, scripts/single-file-cache.mjs). Split so that each command parses
// only the code it runs (`opsdeck logs` never compiles React, Ink or the backup wizard); Node 20
// has no compile cache, and parsing one 2.8 MB file cost every command ~70 ms at start-up. The traps are listed in ../shared/LAB-NOTES.md. Benchmarks build
// their own entry points the same way (buildBundle), so they measure what ships.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inkBuild, inkPatchesEsbuild } from './ink-patches.mjs';
import { packSingleFile } from './single-file.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** dockerode loads its gRPC BuildKit session module at start-up; opsdeck never builds images. */
const noBuildkitSession = {
  name: 'no-buildkit-session',
  setup(b) {
    b.onResolve({ filter: /^\.\/session$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: fileURLToPath(new URL('./no-buildkit-session.cjs', import.meta.url)) } : undefined,
    );
  },
};

const zodLocales = join(dirname(createRequire(import.meta.url).resolve('zod')), 'v4', 'locales');

/**
 * Code the bundle carries but never runs, left out so Node has less to parse at every start:
 * Ink's React devtools hook-up (only with DEV=true; it pulls in `ws`), and zod's error messages
 * in forty languages (zod itself only ever uses English; our schemas never ask for another).
 */
const neverRun = {
  name: 'never-run',
  setup(b) {
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) =>
      args.resolveDir === inkBuild ? { path: fileURLToPath(new URL('./empty-module.mjs', import.meta.url)) } : undefined,
    );
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.resolveDir.startsWith(dirname(zodLocales)) ? { path: 'zod-locales-en', namespace: 'opsdeck-stub' } : undefined,
    );
    b.onResolve({ filter: /^(ajv\/dist\/2020\.js|ajv-formats|semver)$/ }, (args) =>
      /[\\/]node_modules[\\/]conf[\\/]/.test(args.importer) ? { path: fileURLToPath(new URL('./conf-unused.mjs', import.meta.url)) } : undefined,
    );
    b.onLoad({ filter: /^zod-locales-en$/, namespace: 'opsdeck-stub' }, () => ({
      contents: `export { default as en } from ${JSON.stringify(join(zodLocales, 'en.js'))};`,
      resolveDir: zodLocales,
      loader: 'js',
    }));
  },
};

/** Where the chunks of a bundle at `outfile` go: a directory beside it. */
export const CHUNK_DIR = 'opsdeck-chunks';

/** The split bundle the single file dist/opsdeck.mjs is made from (its chunks beside it). */
export const SPLIT_BUNDLE = 'dist/split/opsdeck.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The commit the bundle is built from, for `opsdeck --version`: seven hex digits, `-dirty` when
 * tracked files differ from it (as `git describe --dirty`: untracked files do not count),
 * `unknown` outside a git checkout.
 */
export function buildCommit(cwd = repoRoot) {
  const git = (...args) => spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const head = git('rev-parse', '--short=7', 'HEAD');
  if (head.status !== 0 || !/^[0-9a-f]{7,}$/.test(head.stdout.trim())) return 'unknown';
  const st = git('status', '--porcelain', '--untracked-files=no');
  return head.stdout.trim() + (st.status === 0 && st.stdout.trim() === '' ? '' : '-dirty');
}

/**
 * esbuild options for `outfile` (ESM) plus the chunks it loads on demand, in CHUNK_DIR beside
 * it. Copy both to run it elsewhere (copyBundle).
 */
export function bundleOptions(entry, outfile) {
  return {
    entryPoints: [entry],
    outdir: dirname(outfile),
    entryNames: basename(outfile).replace(/\.mjs$/, ''),
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    // ESM: yoga-layout and ink use top-level await.
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // CommonJS dependencies (ssh2, dockerode) call require() and read __dirname; give the ESM
    // bundle both.
    banner: {
      js: [
        "import { createRequire as __opsdeckCreateRequire } from 'node:module';",
        "import { fileURLToPath as __opsdeckFileURLToPath } from 'node:url';",
        "import { dirname as __opsdeckDirname } from 'node:path';",
        'const require = __opsdeckCreateRequire(import.meta.url);',
        'const __filename = __opsdeckFileURLToPath(import.meta.url);',
        'const __dirname = __opsdeckDirname(__filename);',
      ].join('\n'),
    },
    define: {
      __OPSDECK_VERSION__: JSON.stringify(pkg.version),
      __OPSDECK_COMMIT__: JSON.stringify(buildCommit()),
      'process.env.NODE_ENV': '"production"',
    },
    // ink imports react-devtools-core only when DEV is set; never ship it.
    alias: { 'react-devtools-core': './scripts/empty-module.mjs' },
    // ssh2's optional native addon: ssh2 falls back to pure JS when it cannot be loaded.
    external: ['cpu-features', '*.node'],
    plugins: [noBuildkitSession, inkPatchesEsbuild, neverRun],
    legalComments: 'none',
    // Whitespace and comments only (names stay, so OPSDECK_DEBUG stacks still say which function).
    // The comments carried a few non-ASCII characters, which made V8 hold the whole source as a
    // two-byte string: measured, ~6 MB less resident and ~10 % less start-up CPU without them.
    minifyWhitespace: true,
    logLevel: 'warning',
  };
}

/**
 * ssh2's native crypto addon (built by its install script where a compiler is present), from
 * node_modules to where ssh2's bundled code looks for it: `./crypto/build/Release/` beside the
 * chunk that holds it. Without it ssh2 falls back to Node's crypto API and creates a decipher
 * object for every packet it reads, the largest single item of reading SSH data in profiles of
 * both the live grid and `opsdeck logs` (~2,000 packets for 10,000 lines). The addon is built
 * for this machine's platform and Node ABI; where it is missing ssh2 quietly uses the fallback.
 */
const SSH2_ADDON = join('crypto', 'build', 'Release', 'sshcrypto.node');

function placeNativeAddons(outfile) {
  const ssh2Protocol = join(dirname(createRequire(import.meta.url).resolve('ssh2')), 'protocol');
  const from = join(ssh2Protocol, SSH2_ADDON);
  if (!existsSync(from)) return;
  const to = join(dirname(outfile), CHUNK_DIR, SSH2_ADDON);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
}

/** Build `entry` into `outfile` + its chunks, with the native addons the chunks load. */
export async function buildBundle(entry, outfile) {
  await build(bundleOptions(entry, outfile));
  placeNativeAddons(outfile);
}

/**
 * The Node options opsdeck ships with: its entry's hashbang (`#!/usr/bin/env -S node FLAGS`),
 * which tsc and esbuild both keep. Benchmarks that start a bundle with `node` pass the same.
 */
export function shippedNodeFlags() {
  const first = readFileSync(new URL('../bin/opsdeck.ts', import.meta.url), 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env (?:-S )?node((?: --[a-z0-9-]+(?:=\S+)?)*)$/.exec(first);
  if (!m) throw new Error(`bin/opsdeck.ts: unexpected hashbang ${first}`);
  return m[1].split(' ').filter(Boolean);
}

/**
 * Copy a bundle built at `outfile` (and its chunks, for a split one) to `dest` (a file path). The
 * single file has no chunks: an empty chunk directory is made beside `dest` for callers that list
 * it (bench/lib/bundle-files.ts).
 */
export function copyBundle(outfile, dest) {
  cpSync(outfile, dest);
  const chunks = join(dirname(outfile), CHUNK_DIR);
  if (existsSync(chunks)) cpSync(chunks, join(dirname(dest), CHUNK_DIR), { recursive: true });
  else mkdirSync(join(dirname(dest), CHUNK_DIR), { recursive: true });
}

/**
 * The split bundle at `splitEntry` (built by buildBundle) as one file at `outfile`
 * (scripts/single-file.mjs), with the hashbang and its Node options.
 */
export function buildSingleFile(splitEntry, outfile) {
  return packSingleFile(splitEntry, outfile, { chunkDir: CHUNK_DIR, flags: shippedNodeFlags(), version: pkg.version, label: `opsdeck ${pkg.version} (${buildCommit()})` });
}

/**
 * For comparison only (bench/install.ts): `entry` as one unsplit ESM file, every command parsing
 * all of it, with ssh2's addon beside it where its code looks.
 */
export async function buildUnsplit(entry, outfile) {
  const o = bundleOptions(entry, outfile);
  await build({ ...o, splitting: false, chunkNames: undefined });
  const ssh2Protocol = join(dirname(createRequire(import.meta.url).resolve('ssh2')), 'protocol');
  const from = join(ssh2Protocol, SSH2_ADDON);
  if (existsSync(from)) {
    const to = join(dirname(outfile), SSH2_ADDON);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Chunk names carry content hashes: clear the last build's so stale ones do not pile up (and
  // the chunks a split dist/opsdeck.mjs had beside it before it became one file).
  rmSync(dirname(SPLIT_BUNDLE), { recursive: true, force: true });
  rmSync(join('dist', CHUNK_DIR), { recursive: true, force: true });
  await buildBundle('bin/opsdeck.ts', SPLIT_BUNDLE);
  chmodSync(SPLIT_BUNDLE, 0o755);
  const r = await buildSingleFile(SPLIT_BUNDLE, 'dist/opsdeck.mjs');
  console.log(`dist/opsdeck.mjs (${(r.bytes / 1024).toFixed(0)} KiB; carries ${SPLIT_BUNDLE} and ${r.manifest.files.length - 1} files of chunks, ${(r.unpackedBytes / 1024).toFixed(0)} KiB)`);
}
