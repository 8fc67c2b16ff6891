/**
 * The CPU a client costs the server's sshd: every connection sshd forks a process for (with its
 * user-side child and whatever commands run under it). Other people's sessions share the lab's
 * sshd, so a session is counted only when its TCP peer port is a port one of *our* client
 * processes holds: the client tree's sockets to sshd and the sessions' sockets are matched
 * through /proc/net/tcp.
 *
 * Polled (default every 100 ms): a session that both starts and ends between two polls is
 * missed, and a session's last ~100 ms before it ends are lost. `connections` says how many were
 * seen, so a client that churns connections (the docker CLI's ssh:// opens one per HTTP
 * connection) shows it.
 */
import { childrenOf, nowTicks, processTree, readStat, socketInodes, tcpTable, type TcpRow } from './proc.js';

interface Session {
  pid: number;
  start: number;
  peerPort: number | null;
  firstMs: number;
  lastMs: number;
}

export interface SessionCost {
  cpuMs: number;
  connections: number;
}

export class SshdSessions {
  #listener: number;
  #port: number;
  #client: () => number | null;
  #sessions = new Map<string, Session>();
  #clientPorts = new Set<number>();
  #since = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `client()` returns the root pid of the client's process tree (it may change, or be gone). */
  constructor(listenerPid: number, sshdPort: number, client: () => number | null) {
    this.#listener = listenerPid;
    this.#port = sshdPort;
    this.#client = client;
  }

  start(everyMs = 100): void {
    this.#since = nowTicks();
    this.poll();
    this.#timer = setInterval(() => this.poll(), everyMs);
  }

  stop(): SessionCost {
    clearInterval(this.#timer);
    this.poll();
    let cpuMs = 0;
    let connections = 0;
    for (const s of this.#sessions.values()) {
      if (s.peerPort === null || !this.#clientPorts.has(s.peerPort)) continue;
      connections++;
      cpuMs += s.lastMs - s.firstMs;
    }
    return { cpuMs, connections };
  }

  poll(): void {
    let tcp: Map<string, TcpRow> | undefined;
    const table = () => (tcp ??= tcpTable());
    const root = this.#client();
    if (root) {
      for (const p of processTree(root)) {
        for (const ino of socketInodes(p.pid)) {
          const row = table().get(ino);
          if (row && row.remotePort === this.#port) this.#clientPorts.add(row.localPort);
        }
      }
    }
    for (const pid of childrenOf(this.#listener)) {
      const top = readStat(pid);
      if (!top) continue;
      const key = `${pid}:${top.start}`;
      const tree = processTree(pid);
      const cpu = tree.reduce((a, s) => a + s.withReapedMs, 0);
      let s = this.#sessions.get(key);
      if (!s) {
        // A session that began before start() is charged only from start() on.
        s = { pid, start: top.start, peerPort: null, firstMs: top.start < this.#since ? cpu : 0, lastMs: cpu };
        this.#sessions.set(key, s);
      }
      s.lastMs = Math.max(s.lastMs, cpu);
      if (s.peerPort === null) {
        for (const p of tree) {
          for (const ino of socketInodes(p.pid)) {
            const row = table().get(ino);
            if (row && row.localPort === this.#port) s.peerPort = row.remotePort;
          }
          if (s.peerPort !== null) break;
        }
      }
    }
  }
}
