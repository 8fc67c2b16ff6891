/**
 * `--passphrase-fd N`: the disk passphrase from an open file descriptor, for scripts
 * (`opsdeck unlock --passphrase-fd 3 3< <(pass show web-1/luks)`), as gpg and cryptsetup do.
 */
import { readFdBytes, secretLine } from './secret-fd.js';

/** cryptsetup reads at most 512 characters from a terminal; key files can be larger, passphrases need not. */
export const MAX_PASSPHRASE_BYTES = 8192;

export async function readPassphraseFd(fd: number): Promise<Buffer> {
  return secretLine(await readFdBytes(fd, 'passphrase-fd', MAX_PASSPHRASE_BYTES, 'passphrase'), 'passphrase-fd', fd, 'passphrase');
}
