/**
 * The JSON files a backup directory holds, as zod schemas: the manifest the script writes for
 * each backup, its sidecars (off-site copy, later verifications, test restores) and the run
 * status files. They come from a server, so every string is sanitised once, here.
 */
import { z } from 'zod';
import { sanitise } from '../text/sanitise.js';

const text = (max = 500) => z.string().max(max).transform((s) => sanitise(s));
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const ManifestSchema = z.object({
  format: z.literal('opsdeck-backup/1'),
  id: text(100),
  database: text(100),
  container: text(200),
  image: text(300),
  serverVersion: text(200),
  encryption: z.enum(['passphrase-file', 'public-key']),
  trigger: text(20),
  startedAt: text(40),
  durationMs: count,
  plainBytes: count,
  encryptedBytes: count,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  tocEntries: count,
  tables: count,
  liveTables: count,
  verified: z.boolean(),
  opsdeckVersion: text(40),
  warnings: z.array(text()).max(100),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const OffsiteRecordSchema = z.object({
  copiedAt: text(40),
  destination: text(300),
  compared: text(20),
  ok: z.boolean(),
});
export type OffsiteRecord = z.infer<typeof OffsiteRecordSchema>;

export const VerifyRecordSchema = z.object({
  checkedAt: text(40),
  ok: z.boolean(),
  failedStep: text(40),
  message: text(),
});
export type VerifyRecord = z.infer<typeof VerifyRecordSchema>;

export const RestoreTestRecordSchema = z.object({
  id: text(100),
  checkedAt: z.string().max(40),
  ok: z.boolean(),
  /** 'container' (a throwaway container from the live image) or 'database' (DB_restore_test). */
  method: z.enum(['container', 'database']),
  image: text(300),
  durationMs: count,
  tables: z
    .array(z.object({ table: text(300), restored: count.nullable(), live: count.nullable() }))
    .max(10_000),
  message: text(),
});
export type RestoreTestRecord = z.infer<typeof RestoreTestRecordSchema>;

export const RunStatusSchema = z.object({
  trigger: text(20),
  startedAt: text(40),
  finishedAt: text(40),
  exitCode: z.number().int(),
  failedStep: text(40),
  message: text(),
  backups: z.array(text(100)).max(100),
});
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** Parse one of the files above; undefined (never an exception) for anything malformed. */
export function parseJsonFile<T>(schema: z.ZodType<T>, raw: string): T | undefined {
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
