/**
 * Secrets for non-interactive runs, from an open file descriptor, as gpg's --passphrase-fd:
 * `opsdeck unlock --passphrase-fd 3 3< FILE`, `opsdeck provision --password-fd 3`. The bytes go
 * into one Buffer (no strings, which cannot be wiped); the caller zeroes what it gets.
 */
import fs from 'node:fs';
import { UserError } from '../errors.js';

function readChunk(fd: number, buf: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, offset, buf.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Everything on `fd` up to EOF, at most `maxBytes`; `flag` names the option in errors. */
export async function readFdBytes(fd: number, flag: string, maxBytes: number, what = 'data'): Promise<Buffer> {
  if (fd === 1 || fd === 2) throw new UserError(`--${flag} ${fd} is ${fd === 1 ? 'stdout' : 'stderr'}: give the descriptor the ${what} is on`);
  // One byte of slack tells "exactly the limit" from "too long".
  const buf = Buffer.alloc(maxBytes + 1);
  let len = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = await readChunk(fd, buf, len);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // A non-blocking pipe with nothing in it yet.
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        if (code === 'EBADF') throw new UserError(`--${flag} ${fd}: no such open file descriptor`, { hint: `Open it in the shell, e.g. '--${flag} 3 3< FILE'.` });
        throw new UserError(`--${flag} ${fd}: cannot read it (${code ?? 'error'})`);
      }
      if (n === 0) break;
      len += n;
      if (len > maxBytes) throw new UserError(`--${flag} ${fd}: more than ${maxBytes} bytes; that is not a ${what}`);
    }
    return Buffer.from(buf.subarray(0, len));
  } finally {
    buf.fill(0);
  }
}

/**
 * One secret line: a single trailing newline (or CRLF) is dropped, since `echo` and here-strings
 * add it and a typed secret never ends with one; everything else is kept exactly. Zeroes `bytes`.
 */
export function secretLine(bytes: Buffer, flag: string, fd: number, what = 'secret'): Buffer {
  let len = bytes.length;
  if (len > 0 && bytes[len - 1] === 0x0a) {
    len--;
    if (len > 0 && bytes[len - 1] === 0x0d) len--;
  }
  if (len === 0) {
    bytes.fill(0);
    throw new UserError(`--${flag} ${fd}: the ${what} is empty`);
  }
  const out = Buffer.from(bytes.subarray(0, len));
  bytes.fill(0);
  return out;
}
