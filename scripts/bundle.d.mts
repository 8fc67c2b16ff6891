import type { BuildOptions } from 'esbuild';
export const CHUNK_DIR: string;
export function bundleOptions(entry: string, outfile: string): BuildOptions;
/** Build `entry` into `outfile` + its chunks, with the native addons the chunks load. */
export function buildBundle(entry: string, outfile: string): Promise<void>;
/** The Node options in bin/opsdeck.ts's hashbang. */
export function shippedNodeFlags(): string[];
export function copyBundle(outfile: string, dest: string): void;
/** The split bundle dist/opsdeck.mjs is made from. */
export const SPLIT_BUNDLE: string;
/** The commit a build comes from: `abc1234`, `abc1234-dirty` or `unknown`. */
export function buildCommit(cwd?: string): string;
export function buildSingleFile(
  splitEntry: string,
  outfile: string,
): Promise<{ manifest: import('./single-file.mjs').Manifest; bytes: number; unpackedBytes: number }>;
/** One unsplit ESM file (comparison only), ssh2's addon beside it. */
export function buildUnsplit(entry: string, outfile: string): Promise<void>;
