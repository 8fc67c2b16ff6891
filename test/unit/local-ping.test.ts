import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pingLocal } from '../../src/transport/local.js';

const dirs: string[] = [];
const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A unix socket in a fresh directory that answers every connection with `answer` and hangs up. */
async function fakeDaemon(answer: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-ping-'));
  dirs.push(dir);
  const socketPath = path.join(dir, 'docker.sock');
  const server = net.createServer((c) => c.once('data', () => c.end(answer)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return socketPath;
}

const target = (socketPath: string) => ({ kind: 'local' as const, label: 'local', socketPath });

describe('pingLocal (raw GET /_ping on the local socket)', () => {
  it('is satisfied by OK', async () => {
    const sock = await fakeDaemon('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK');
    await expect(pingLocal(target(sock))).resolves.toBeUndefined();
  });

  it('names the socket and what answered instead, sanitised, in one line', async () => {
    const sock = await fakeDaemon('HTTP/1.1 503 Service \u001b]0;pwned\u0007Unavailable\r\nContent-Length: 0\r\n\r\n');
    await expect(pingLocal(target(sock))).rejects.toThrow(`Docker at ${sock}: HTTP/1.1 503 Service Unavailable`);
  });

  it('says no daemon answers when the socket is missing', async () => {
    await expect(pingLocal(target('/nonexistent/docker.sock'))).rejects.toThrow('no Docker daemon answers at /nonexistent/docker.sock');
  });
});
