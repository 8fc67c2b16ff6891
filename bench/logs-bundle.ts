/**
 * Build an entry point exactly as scripts/bundle.mjs builds dist/opsdeck.mjs, into a file of the
 * benchmark's own (its chunks in a directory beside it), so benchmarks measure opsdeck as it
 * ships rather than under tsx with React's development build.
 */
import { buildBundle } from '../scripts/bundle.mjs';

export async function bundleLike(entry: string, outfile: string): Promise<void> {
  await buildBundle(entry, outfile);
}
