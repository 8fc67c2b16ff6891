// Modules under Ink are swapped for our own in everything that runs the screens (the bundle,
// and the TUI tests through vitest): ink/build/output.js, whose per-character frame assembly was
// most of the live grid's CPU; ink/build/measure-text.js, whose cache never forgets a line;
// string-width, which runs a grapheme segmenter and emoji regexes over every line Ink measures
// (every row, every frame); and ink/build/log-update.js, wrapped so the live grid's figures can
// be rewritten in place between React renders. Each keeps its module's interface and hands what it
// does not handle to the original (src/terminal/ink/).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
/** Ink's build directory (its internal modules are resolved relative to it). */
export const inkBuild = dirname(require.resolve('ink'));
// Only string-width 8, the one Ink and our code share; other majors stay as their users chose.
const stringWidthMain = require.resolve('string-width');

const replaced = {
  './output.js': join(root, 'src/terminal/ink/output.ts'),
  './measure-text.js': join(root, 'src/terminal/ink/measure-text.ts'),
  './sanitize-ansi.js': join(root, 'src/terminal/ink/sanitize-ansi.ts'),
  './log-update.js': join(root, 'src/terminal/ink/log-update.ts'),
};

/** Where a module import should go instead, or undefined to resolve it as usual. */
export function resolveInkPatch(specifier, importerDir) {
  if (specifier.startsWith('ink-original/')) return join(inkBuild, specifier.slice('ink-original/'.length));
  if (specifier === 'string-width-original') return stringWidthMain;
  if (importerDir === inkBuild && Object.hasOwn(replaced, specifier)) return replaced[specifier];
  return undefined;
}

const stringWidthPatch = join(root, 'src/terminal/ink/string-width.ts');
// The patch and the scanner it uses measure single characters with the real string-width.
const stringWidthExempt = new Set([stringWidthPatch, join(root, 'src/render/cell-width.ts')]);

/** esbuild plugin. */
export const inkPatchesEsbuild = {
  name: 'ink-patches',
  setup(b) {
    b.onResolve({ filter: /^(?:\.\/(?:output|measure-text|sanitize-ansi|log-update)\.js|ink-original\/.*|string-width-original)$/ }, (args) => {
      const path = resolveInkPatch(args.path, args.resolveDir);
      return path ? { path } : undefined;
    });
    // yoga's emscripten loader fetches its own wasm (a data: URL) with fetch() whenever Node
    // has fetch: touching the global loads undici, ~50 ms of every TUI launch (profiled). The
    // synchronous path it takes where fetch is missing decodes the same bytes with no fetch.
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(args.path, 'utf8');
      const patched = text.replaceAll('"function"!=typeof fetch', '!0');
      // A yoga that no longer says it this way must be looked at again, not shipped unpatched.
      if (patched === text) throw new Error(`${args.path}: yoga no longer checks for fetch as expected; update scripts/ink-patches.mjs`);
      return { contents: patched, loader: 'js' };
    });
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.asIs || stringWidthExempt.has(args.importer)) return undefined;
      const plain = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: { asIs: true } });
      return plain.path === stringWidthMain ? { path: stringWidthPatch } : undefined;
    });
  },
};

/** Vite plugin, for vitest (which must also inline ink so its imports come through here). */
export const inkPatchesVite = {
  name: 'ink-patches',
  enforce: 'pre',
  resolveId(source, importer) {
    return resolveInkPatch(source, importer ? dirname(importer.split('?')[0]) : '');
  },
  // Ink's (and its companions') published source maps point at sources they do not publish:
  // vite would warn about each of their files once inlined.
  async load(id) {
    if (!/[\\/]node_modules[\\/]ink(?:-[a-z-]+)?[\\/]build[\\/]/.test(id)) return undefined;
    const { readFile } = await import('node:fs/promises');
    return { code: (await readFile(id.split('?')[0], 'utf8')).replace(/^\/\/# sourceMappingURL=.*$/m, ''), map: null };
  },
};
