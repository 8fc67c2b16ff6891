import type { Stats } from 'node:fs';
import type { Manifest, PackedFile } from './single-file.mjs';
export const PAYLOAD_MARK: string;
export interface CacheRoot { dir: string; create?: string; mustExist?: string }
export function contentHash(files: { path: string; data: Buffer | Uint8Array }[]): string;
export function cacheKey(version: string, hash: string): string;
export function cacheRoots(env: Record<string, string | undefined>, home: string, tmp: string, uid: number | undefined): CacheRoot[];
export function isPrivateDir(st: Stats, uid: number | undefined): boolean;
export function ensureRoot(root: CacheRoot, uid: number | undefined): void;
export function verifyDir(dir: string, manifest: Manifest, uid: number | undefined): boolean;
export function readPayload(self: string, manifest: Manifest): PackedFile[];
export function install(root: string, manifest: Manifest, files: PackedFile[], uid: number | undefined): string;
export function unpackedDir(o: { self: string; manifest: Manifest; env: Record<string, string | undefined>; home: string; tmp: string; uid: number | undefined }): string;
export const STAMP: string;
export function stampOf(dir: string, manifest: Manifest): string;
export function writeStamp(dir: string, manifest: Manifest): void;
export function usable(dir: string, manifest: Manifest, uid: number | undefined): boolean;
export function mkdirs(dir: string, mode: number): void;
