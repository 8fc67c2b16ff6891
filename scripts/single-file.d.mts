export interface PackedFile { path: string; data: Buffer }
export interface Manifest { key: string; hash: string; entry: string; files: { path: string; size: number }[] }
export function splitFiles(entry: string, chunkDir: string): PackedFile[];
export function manifestOf(files: PackedFile[], version: string): Manifest;
export function packSingleFile(
  splitEntry: string,
  outfile: string,
  opts: { chunkDir: string; flags: string[]; version: string; label: string },
): Promise<{ manifest: Manifest; bytes: number; unpackedBytes: number }>;
