import type { BuildOptions } from 'esbuild';
export const CHUNK_DIR: string;
export function bundleOptions(entry: string, outfile: string): BuildOptions;
export function copyBundle(outfile: string, dest: string): void;
