import { createRequire } from 'node:module';

export function version(): string {
  // The bundle inlines this at build time; a compiled or tsx run reads package.json.
  if (typeof __OPSDECK_VERSION__ === 'string') return __OPSDECK_VERSION__;
  const require = createRequire(import.meta.url);
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (require(rel) as { version: string }).version;
    } catch {
      // try the next layout (src/ vs dist/src/)
    }
  }
  return 'unknown';
}

/**
 * The commit the bundle was built from (`abc1234`, `abc1234-dirty`, or `unknown` when built
 * outside git; scripts/bundle.mjs inlines it); `source` for a tsc or tsx run.
 */
export function commit(): string {
  return typeof __OPSDECK_COMMIT__ === 'string' ? __OPSDECK_COMMIT__ : 'source';
}

/** What `opsdeck --version` prints: `opsdeck 0.1.0 (abc1234)`. */
export function versionLine(): string {
  return `opsdeck ${version()} (${commit()})`;
}
declare const __OPSDECK_VERSION__: string | undefined;
declare const __OPSDECK_COMMIT__: string | undefined;
