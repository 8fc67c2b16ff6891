/**
 * Secrets for a non-interactive run, from open file descriptors (as gpg's --passphrase-fd):
 * `--password-fd N` (root's password for the first login) and `--env-fd N` (KEY=VALUE lines for
 * the .env). Bytes go into Buffers, never strings, and the caller zeroes them.
 */
import fs from 'node:fs';
import { UserError } from '../cli/errors.js';

const MAX_BYTES = 64 * 1024;

function readChunk(fd: number, buf: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, offset, buf.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))));
}

export async function readFdBytes(fd: number, flag: string): Promise<Buffer> {
  if (fd === 1 || fd === 2) throw new UserError(`--${flag} ${fd} is ${fd === 1 ? 'stdout' : 'stderr'}`);
  const buf = Buffer.alloc(MAX_BYTES + 1);
  let len = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = await readChunk(fd, buf, len);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        if (code === 'EBADF') throw new UserError(`--${flag} ${fd}: no such open file descriptor`, { hint: `Open it in the shell, e.g. '--${flag} 3 3< FILE'.` });
        throw new UserError(`--${flag} ${fd}: cannot read it (${code ?? 'error'})`);
      }
      if (n === 0) break;
      len += n;
      if (len > MAX_BYTES) throw new UserError(`--${flag} ${fd}: more than ${MAX_BYTES} bytes`);
    }
    return Buffer.from(buf.subarray(0, len));
  } finally {
    buf.fill(0);
  }
}

/** One secret line: a single trailing newline is dropped. */
export function secretLine(bytes: Buffer, flag: string): Buffer {
  let len = bytes.length;
  if (len > 0 && bytes[len - 1] === 0x0a) len--;
  if (len > 0 && bytes[len - 1] === 0x0d) len--;
  if (len === 0) throw new UserError(`--${flag}: empty`);
  const out = Buffer.from(bytes.subarray(0, len));
  bytes.fill(0);
  return out;
}

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
