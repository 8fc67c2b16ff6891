import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerTunnel } from '../../src/transport/docker-agent.js';
import type { SshSession } from '../../src/transport/ssh-session.js';

/** A dial-stdio channel whose daemon answers a request with `answer` and hangs up (Connection: close). */
function daemonChannel(answer: string): Duplex & { stderr: PassThrough } {
  const ch = new Duplex({
    read() {},
    write(_chunk, _enc, cb) {
      cb();
      ch.push(Buffer.from(answer));
      setImmediate(() => ch.destroy());
    },
  }) as Duplex & { stderr: PassThrough };
  ch.stderr = new PassThrough();
  return ch;
}

/** A session whose sshd refuses stream-local channels: Docker is reached through dial-stdio only. */
function dialStdioOnly(answer = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK') {
  const execs: string[] = [];
  const session = {
    target: { label: 'prod' },
    openStreamLocal: () => Promise.reject(new Error('(SSH) Channel open failure: open failed')),
    openExec: (cmd: string) => {
      execs.push(cmd);
      return Promise.resolve(daemonChannel(answer));
    },
  } as unknown as SshSession;
  return { session, execs };
}

describe('DockerTunnel.ping', () => {
  it('does not start a second docker CLI on the server right after the probe pinged through one', async () => {
    const { session, execs } = dialStdioOnly();
    const tunnel = new DockerTunnel(session, '/run/docker.sock');
    expect(await tunnel.probe()).toBe('dial-stdio');
    expect(execs).toEqual(["docker -H unix:///run/docker.sock system dial-stdio"]);
    await tunnel.ping();
    expect(execs).toHaveLength(1);
    // Later pings ask the daemon again.
    await tunnel.ping();
    expect(execs).toHaveLength(2);
  });

  it('rejects with what came back instead of OK', async () => {
    const { session } = dialStdioOnly('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom');
    const tunnel = new DockerTunnel(session, '/run/docker.sock', { forcePath: 'dial-stdio' });
    await expect(tunnel.ping()).rejects.toThrow('HTTP/1.1 500 Internal Server Error');
  });
});
