/**
 * rawGet over a real unix socket whose stand-in daemon answers with bad framing. The head and the
 * bad chunk arrive in one read, as they do from the local socket and dial-stdio: the body fails in
 * the same tick the promise resolves, before the caller can listen to it.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rawGet, rawGetJson } from '../../src/transport/raw-get.js';
import { dockerLogApi } from '../../src/logs/log-source.js';

const dirs: string[] = [];
const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A unix socket under /tmp that answers every request with `answer`, in one write. */
async function standInDaemon(answer: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-rawget-'));
  dirs.push(dir);
  const socketPath = path.join(dir, 'docker.sock');
  const server = net.createServer((c) => {
    c.on('error', () => {});
    c.once('data', () => c.write(answer));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return socketPath;
}

const connect = (socketPath: string) =>
  new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(socketPath, () => resolve(s));
    s.once('error', reject);
  });

const BAD_CHUNK = 'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n';

describe('rawGet with a malformed chunked answer from a stand-in socket', () => {
  it('fails the body for the caller that listens after the await, without an uncaught error', async () => {
    const sock = await standInDaemon(BAD_CHUNK);
    const { body } = await rawGet(await connect(sock), '/containers/x/logs');
    const outcome = await new Promise<string>((resolve) => {
      body.on('data', () => {});
      body.on('end', () => resolve('end'));
      body.on('error', (err) => resolve(err.message));
    });
    expect(outcome).toBe('malformed response from Docker: bad chunk size');
  });

  it('fails the log stream the follower opens (several awaits later), and rawGetJson rejects', async () => {
    const sock = await standInDaemon(BAD_CHUNK);
    const api = dockerLogApi({ docker: { modem: {} } as never, openDockerSocket: () => connect(sock) });
    const stream = await api.open('x', { follow: true }, new AbortController().signal);
    await new Promise((r) => setImmediate(r));
    const outcome = await new Promise<string>((resolve) => {
      stream.on('data', () => {});
      stream.on('error', (err) => resolve(err.message));
    });
    expect(outcome).toContain('bad chunk size');
    await expect(rawGetJson(await connect(sock), '/containers/json')).rejects.toThrow('malformed response from Docker: bad chunk size');
  });
});
