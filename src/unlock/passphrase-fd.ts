/**
 * `--passphrase-fd N`: read the disk passphrase from an open file descriptor, for scripts
 * (`opsdeck unlock --passphrase-fd 3 3< <(pass show web-1/luks)`), as gpg and cryptsetup do.
 *
 * The bytes go straight into one Buffer (no strings, which cannot be wiped). One trailing
 * newline is dropped, since `echo` and here-strings add it and a typed passphrase never ends
 * with one; everything else is kept exactly.
 */
import fs from 'node:fs';
import { UserError } from '../cli/errors.js';

/** cryptsetup reads at most 512 characters from a terminal; key files can be larger, passphrases need not. */
export const MAX_PASSPHRASE_BYTES = 8192;

function readChunk(fd: number, buf: Buffer, offset: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, offset, buf.length - offset, null, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

export async function readPassphraseFd(fd: number): Promise<Buffer> {
  if (fd === 1 || fd === 2) throw new UserError(`--passphrase-fd ${fd} is ${fd === 1 ? 'stdout' : 'stderr'}: give the descriptor the passphrase is on`);
  // One byte of slack tells "exactly the limit" from "too long".
  const buf = Buffer.alloc(MAX_PASSPHRASE_BYTES + 1);
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
        if (code === 'EBADF') throw new UserError(`--passphrase-fd ${fd}: no such open file descriptor`, { hint: `Open it in the shell, e.g. 'opsdeck unlock --passphrase-fd 3 3< FILE'.` });
        throw new UserError(`--passphrase-fd ${fd}: cannot read it (${code ?? 'error'})`);
      }
      if (n === 0) break;
      len += n;
      if (len > MAX_PASSPHRASE_BYTES) throw new UserError(`--passphrase-fd ${fd}: more than ${MAX_PASSPHRASE_BYTES} bytes; that is not a passphrase`);
    }
    if (len > 0 && buf[len - 1] === 0x0a) {
      len--;
      if (len > 0 && buf[len - 1] === 0x0d) len--;
    }
    if (len === 0) throw new UserError(`--passphrase-fd ${fd}: the passphrase is empty`);
    return Buffer.from(buf.subarray(0, len));
  } finally {
    buf.fill(0);
  }
}
