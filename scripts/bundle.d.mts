import type { BuildOptions } from 'esbuild';
export const CHUNK_DIR: string;
export function bundleOptions(entry: string, outfile: string): BuildOptions;
/** Build `entry` into `outfile` + its chunks, with the native addons the chunks load. */
export function buildBundle(entry: string, outfile: string): Promise<void>;
/** The Node options in bin/opsdeck.ts's hashbang. */
export function shippedNodeFlags(): string[];
export function copyBundle(outfile: string, dest: string): void;
