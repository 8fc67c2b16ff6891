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
declare const __OPSDECK_VERSION__: string | undefined;
