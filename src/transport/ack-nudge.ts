/**
 * Cut the ~40 ms stall on multi-packet answers from an OpenSSH server.
 *
 * sshd leaves Nagle's algorithm on for connections without a terminal, so it holds the last,
 * partial TCP segment of a reply until the previous ones are acknowledged; our kernel delays
 * that acknowledgement (delayed ACK, 40 ms on Linux) because we have nothing to send. Measured
 * on the lab: GET /containers/json (33 KB) took 53 ms through the tunnel against 8 ms on the
 * local socket, and OpenSSH's own `ssh -L` forward showed the same 52 ms. Node cannot set
 * TCP_QUICKACK, so when data arrives we send one tiny SSH packet right away; it carries the ACK.
 *
 * The packet must not be answered, or the answer would be the next unacknowledged segment and
 * the stall would come back one step later (tried: a keepalive request made pings 10x slower).
 * SSH_MSG_REQUEST_FAILURE fits: OpenSSH's sshd takes it as a client keepalive answer
 * (serverloop.c, server_input_keep_alive) and replies nothing. It is only sent to servers that
 * say they are OpenSSH. Nudges are at least MIN_GAP_MS apart, and only while an answer is
 * awaited: for ARMED_MS after we last sent something (a request, a channel open, a window
 * adjust while a reply streams in). Data the server sends unasked (a followed event or log
 * stream, between our requests) is not nudged: nobody waits on it, and each nudge costs an
 * encrypted packet, a write and a wake-up (measured: most of the live grid's SSH overhead).
 *
 * It uses one ssh2 internal (the protocol's requestFailure(), ssh2 1.x); if it is missing the
 * nudge switches itself off and nothing else changes.
 */
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';

const MIN_GAP_MS = 5;
const ARMED_MS = 500;

interface Ssh2Internals {
  _protocol?: { requestFailure?: () => void };
}

export interface AckNudgeStats {
  nudges: number;
}

export function installAckNudge(client: Client, sock: Duplex, serverVersion: string): AckNudgeStats {
  const stats: AckNudgeStats = { nudges: 0 };
  const internals = client as unknown as Ssh2Internals;
  if (!/^OpenSSH_/.test(serverVersion) || typeof internals._protocol?.requestFailure !== 'function') return stats;
  let pending = false;
  let last = 0;
  let armedUntil = 0;
  let nudging = false;

  // Everything ssh2 sends goes through the socket's write: that is "we asked for something".
  const write = sock.write;
  sock.write = function (this: Duplex, ...args: Parameters<Duplex['write']>) {
    if (!nudging) armedUntil = Date.now() + ARMED_MS;
    return write.apply(this, args);
  } as Duplex['write'];

  const nudge = () => {
    pending = false;
    const proto = internals._protocol;
    if (typeof proto?.requestFailure !== 'function') return;
    nudging = true;
    try {
      proto.requestFailure();
      last = Date.now();
      stats.nudges++;
    } catch {
      /* connection closing */
    } finally {
      nudging = false;
    }
  };

  sock.on('data', () => {
    if (pending || Date.now() > armedUntil) return;
    pending = true;
    const wait = MIN_GAP_MS - (Date.now() - last);
    if (wait > 0) setTimeout(nudge, wait);
    else setImmediate(nudge);
  });
  return stats;
}
