import type { Duplex } from 'node:stream';

/**
 * ssh2 hands every packet to the socket in pieces (length, payload, MAC or tag), and a socket
 * makes one system call per write: three for a window adjust. Corking the socket until the end
 * of the current tick turns a burst into one writev. Nothing waits: the uncork runs before the
 * event loop goes back to I/O.
 */
export function batchWrites(sock: Duplex): void {
  const write = sock.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    sock.uncork();
  };
  sock.write = function (this: Duplex, ...args: Parameters<Duplex['write']>) {
    if (!corked && !sock.writableCorked) {
      corked = true;
      sock.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Duplex['write'];
}
