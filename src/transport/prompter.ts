/**
 * The questions a connection may have to ask a person. The TUI implements this with its own
 * dialogs (masked input, a host-key confirmation); the CLI with `cliPrompter`.
 *
 * Secrets travel as Buffers so the transport can zero them once used; a prompter must not keep
 * a copy. Returning null means "no answer" (cancelled, or nobody to ask).
 */
import type { Readable, Writable } from 'node:stream';

export interface UnknownHostKeyQuestion {
  /** The host as looked up in known_hosts (HostName, or HostKeyAlias). */
  host: string;
  port: number;
  keyType: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprintSHA256: string;
  /** Where the key will be recorded on yes. */
  knownHostsFile: string;
}

export interface SecretQuestion {
  kind: 'passphrase' | 'password';
  /** One line to show, e.g. "Passphrase for /home/me/.ssh/id_ed25519". Never contains a secret. */
  prompt: string;
}

export interface Prompter {
  confirmUnknownHostKey(q: UnknownHostKeyQuestion): Promise<boolean>;
  askSecret(q: SecretQuestion): Promise<Buffer | null>;
}

/** Never asks anything: unknown hosts are refused (unless accept-new), no passphrase or password. */
export const refusingPrompter: Prompter = {
  confirmUnknownHostKey: async () => false,
  askSecret: async () => null,
};

/**
 * The CLI's prompter. CLI commands are non-interactive about host keys (an unknown host is
 * refused unless StrictHostKeyChecking accept-new or --accept-new), but on a terminal they may
 * ask for a key passphrase or password, as ssh does; the answer is read with echo off.
 */
export function cliPrompter(io: { stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }; stderr: Writable }): Prompter {
  return {
    confirmUnknownHostKey: async () => false,
    askSecret: async (q) => {
      if (!io.stdin.isTTY || typeof io.stdin.setRawMode !== 'function') return null;
      return readMasked(io.stdin as Readable & { setRawMode: (raw: boolean) => unknown }, io.stderr, `${q.prompt}: `);
    },
  };
}

/** Read one line from a TTY in raw mode without echo; Ctrl-C / Ctrl-D cancel. The returned Buffer is the caller's to zero. */
function readMasked(stdin: Readable & { setRawMode: (raw: boolean) => unknown }, out: Writable, prompt: string): Promise<Buffer | null> {
  return new Promise((resolve) => {
    out.write(prompt);
    // Fixed-size scratch buffer so no intermediate strings hold the secret.
    let buf = Buffer.alloc(256);
    let len = 0;
    stdin.setRawMode(true);
    stdin.resume();
    const finish = (ok: boolean) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      out.write('\n');
      const result = ok ? Buffer.from(buf.subarray(0, len)) : null;
      buf.fill(0);
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (const b of bytes) {
        if (b === 0x0d || b === 0x0a) return finish(true);
        if (b === 0x03 || b === 0x04) return finish(false);
        if (b === 0x7f || b === 0x08) {
          if (len > 0) len--;
          continue;
        }
        if (len === buf.length) {
          const bigger = Buffer.alloc(buf.length * 2);
          buf.copy(bigger);
          buf.fill(0);
          buf = bigger;
        }
        buf[len++] = b;
      }
      if (typeof chunk !== 'string') chunk.fill(0);
    };
    stdin.on('data', onData);
  });
}
