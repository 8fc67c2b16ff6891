import fs from 'node:fs';

/**
 * TCP connections from /proc, without ss: a process's socket inodes from /proc/PID/fd, and the
 * rows of /proc/net/tcp{,6} (used by the transport e2e tests and bench/tunnel.ts to count
 * connections per server).
 */
export function socketInodes(pid: number | 'self'): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

export interface TcpRow {
  localPort: number;
  remotePort: number;
  /** The kernel's state in hex: '01' is ESTABLISHED, '0A' LISTEN. */
  state: string;
  inode: string;
}

/** Every TCP socket of the machine with an owner, by inode. */
export function tcpTable(): Map<string, TcpRow> {
  const out = new Map<string, TcpRow>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f.length < 10 || f[9] === '0') continue;
      out.set(f[9]!, { localPort: parseInt(f[1]!.split(':')[1]!, 16), remotePort: parseInt(f[2]!.split(':')[1]!, 16), state: f[3]!, inode: f[9]! });
    }
  }
  return out;
}

/**
 * Established TCP connections from this process to port `port`. Returns "localport" strings so
 * callers can tell connections apart over time.
 */
export function tcpConnectionsFrom(port: number): string[] {
  const inodes = socketInodes('self');
  return [...tcpTable().values()].filter((r) => r.state === '01' && r.remotePort === port && inodes.has(r.inode)).map((r) => String(r.localPort));
}
