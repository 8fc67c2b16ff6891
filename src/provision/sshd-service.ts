/**
 * How sshd runs on this server, which decides what "reload" means:
 *  - systemd with ssh.service active: `systemctl reload ssh.service` (Debian, Ubuntu ≤ 22.04, and
 *    Ubuntu 24.04 once the socket has started the service);
 *  - systemd with only ssh.socket active (socket activation, Ubuntu 22.10+): nothing to reload,
 *    the next connection starts sshd with the new configuration (we change no Port, so the socket
 *    itself needs no restart);
 *  - no systemd but a daemon with a live pid file: SIGHUP;
 *  - neither: sshd runs per connection (inetd mode, as in a container reached by `sshd -i`), and
 *    each new connection reads the configuration anew.
 * In every case the configuration is validated with `sshd -t` first and proven with `sshd -T`.
 */
export type SshdMode =
  | { kind: 'systemd-service'; unit: string }
  | { kind: 'systemd-socket'; unit: string }
  | { kind: 'daemon'; pid: number }
  | { kind: 'per-connection' };

/** Prints "init systemd|none", "unit NAME STATE" lines and "pid N" for a live /run/sshd.pid. */
export const SSHD_MODE_SCRIPT = [
  'if [ -d /run/systemd/system ]; then echo "init systemd"; for u in ssh.service ssh.socket sshd.service; do echo "unit $u $(systemctl is-active "$u" 2>/dev/null)"; done; else echo "init none"; fi',
  'p=$(cat /run/sshd.pid 2>/dev/null); if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then echo "pid $p"; fi',
  'exit 0',
].join('\n');

export function parseSshdMode(out: string): { mode: SshdMode; systemd: boolean } {
  const systemd = /^init systemd$/m.test(out);
  const active = (u: string) => new RegExp(`^unit ${u.replace('.', '\\.')} active$`, 'm').test(out);
  const pid = /^pid (\d+)$/m.exec(out)?.[1];
  if (systemd) {
    if (active('ssh.service')) return { mode: { kind: 'systemd-service', unit: 'ssh.service' }, systemd };
    if (active('sshd.service')) return { mode: { kind: 'systemd-service', unit: 'sshd.service' }, systemd };
    if (active('ssh.socket')) return { mode: { kind: 'systemd-socket', unit: 'ssh.socket' }, systemd };
  }
  if (pid) return { mode: { kind: 'daemon', pid: Number(pid) }, systemd };
  return { mode: { kind: 'per-connection' }, systemd };
}

export function reloadCommand(mode: SshdMode): string[] | null {
  switch (mode.kind) {
    case 'systemd-service':
      return ['systemctl', 'reload', mode.unit];
    case 'daemon':
      return ['kill', '-HUP', String(mode.pid)];
    default:
      return null;
  }
}

export function describeSshdMode(mode: SshdMode): string {
  switch (mode.kind) {
    case 'systemd-service':
      return `sshd runs as ${mode.unit}: reloaded with systemctl reload`;
    case 'systemd-socket':
      return `socket-activated sshd (${mode.unit}): the next connection starts sshd with the new configuration`;
    case 'daemon':
      return `sshd daemon pid ${mode.pid} without systemd: reloaded with SIGHUP`;
    case 'per-connection':
      return 'no systemd: sshd runs per connection (inetd mode), so each new connection reads the new configuration';
  }
}
