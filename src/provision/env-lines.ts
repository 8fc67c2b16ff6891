/**
 * `--env-fd N` for a non-interactive provision: KEY=VALUE lines for the .env, read with
 * src/cli/secret-fd.ts and split here into Buffers, never strings; the caller zeroes them.
 */
import { UserError } from '../errors.js';

/** KEY=VALUE lines into Buffers by key (no quotes processed: the value is the bytes after '='). */
export function parseEnvBytes(bytes: Buffer, flag: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    let end = i;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    const line = bytes.subarray(start, end);
    start = i + 1;
    if (line.length === 0 || line[0] === 0x23) continue;
    const eq = line.indexOf(0x3d);
    const key = eq > 0 ? line.subarray(0, eq).toString('latin1') : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      for (const b of out.values()) b.fill(0);
      bytes.fill(0);
      throw new UserError(`--${flag}: every line must be KEY=VALUE`);
    }
    out.set(key, Buffer.from(line.subarray(eq + 1)));
  }
  bytes.fill(0);
  return out;
}
