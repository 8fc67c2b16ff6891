/**
 * Which TCP connections a process holds, as `ss -tnp` reports them (root sees every process's
 * sockets), and which process listens on a port. Linux only; benchmarks only.
 */
import { execFileSync } from 'node:child_process';

export interface TcpConnection {
  pid: number;
  state: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

/** "127.0.0.1:22022", "[::1]:22", "*:22" → [address, port]. */
function splitEndpoint(ep: string): [string, number] {
  const at = ep.lastIndexOf(':');
  return [ep.slice(0, at).replace(/^\[|\]$/g, ''), Number(ep.slice(at + 1))];
}

/** Every TCP socket of the given processes (any state but LISTEN), one row per socket and owning pid. */
export function tcpConnectionsOf(pids: Iterable<number>): TcpConnection[] {
  const want = new Set(pids);
  if (want.size === 0) return [];
  const out = execFileSync('ss', ['-tanpH'], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const rows: TcpConnection[] = [];
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0] === 'LISTEN') continue;
    const [, localPort] = splitEndpoint(f[3]!);
    const [remoteAddress, remotePort] = splitEndpoint(f[4]!);
    // users:(("node",pid=123,fd=21),("node",pid=124,fd=9))
    for (const m of f.slice(5).join(' ').matchAll(/pid=(\d+)/g)) {
      const pid = Number(m[1]);
      if (want.has(pid)) rows.push({ pid, state: f[0]!, localPort, remoteAddress, remotePort });
    }
  }
  return rows;
}

/** The pid listening on TCP `port` (the first one ss names), or null. */
export function listenerPid(port: number): number | null {
  const out = execFileSync('ss', ['-tlnpH', `sport = :${port}`], { encoding: 'utf8' });
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : null;
}
