import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface SshdConfig {
  port: number;
  hostKeys: readonly string[];
  pidFile: string;
  user: string;
  /** Everything after the lines every private sshd shares (sshd takes the first value of each). */
  lines: readonly string[];
}

/**
 * Write the sshd_config of a private sshd that a test starts for itself (loopback only, one
 * user), make sure /run/sshd exists, and have sshd check the file before anyone starts it.
 */
export function writeSshdConfig(file: string, c: SshdConfig): void {
  fs.writeFileSync(
    file,
    [`Port ${c.port}`, 'ListenAddress 127.0.0.1', ...c.hostKeys.map((k) => `HostKey ${k}`), `PidFile ${c.pidFile}`, `AllowUsers ${c.user}`, ...c.lines, ''].join('\n'),
  );
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync('/usr/sbin/sshd', ['-t', '-f', file]);
}
