/**
 * A stand-in Docker socket that answers like a broken or hostile daemon: a unix socket under /tmp
 * that the test starts and stops. /_ping and /version answer as Docker does (so opsdeck gets as
 * far as its real requests); the request a case names gets the case's answer.
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Which request a case spoils: the container list, one container's inspect, its log stream, or the events. */
export type Spoiled = 'list' | 'inspect' | 'logs' | 'events';

export interface HostileCase {
  name: string;
  spoils: Spoiled;
  /** The commands that make the spoiled request end with an error (exit 2); else they go on without it. */
  fails: boolean;
  /** The answer never ends, and neither does a command that reads it as its output (`logs`). */
  endless?: boolean;
  /** Writes the answer to the socket; may keep writing until the client goes away. */
  answer(sock: net.Socket): void;
}

const ID = 'a'.repeat(64);
const GOOD_LIST = JSON.stringify([{ Id: ID, Names: ['/web'], Image: 'nginx', State: 'running', Status: 'Up 1 second', Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' } }]);
const GOOD_INSPECT = JSON.stringify({
  Id: ID,
  Name: '/web',
  Created: '2026-01-01T00:00:00Z',
  RestartCount: 0,
  Config: { Image: 'nginx', Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' }, Tty: false },
  State: { Status: 'running', Running: true, Restarting: false, StartedAt: '2026-01-01T00:00:01Z', FinishedAt: '0001-01-01T00:00:00Z', ExitCode: 0 },
  HostConfig: { RestartPolicy: { Name: 'always' } },
});

function json(sock: net.Socket, status: number, body: string): void {
  sock.end(`HTTP/1.1 ${status} X\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** Keep writing `piece` as fast as the client reads it, until it goes away. */
function flood(sock: net.Socket, piece: Buffer | string): void {
  const pump = () => {
    while (!sock.destroyed && sock.write(piece));
  };
  sock.on('drain', pump);
  pump();
}

function chunk(s: string): string {
  return `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
}

export const HOSTILE_CASES: HostileCase[] = [
  {
    name: 'garbage instead of HTTP',
    spoils: 'list',
    fails: true,
    answer: (s) => s.end(Buffer.concat([Buffer.from('\u001b]0;pwned\u0007\u001b[2J\u001b[?1049l GARBAGE \r\n\r\n'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))])),
  },
  {
    name: 'a chunk cut short',
    spoils: 'list',
    fails: true,
    answer: (s) => s.end(`HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n[{"Id":"${ID}","Names":["/web"]`),
  },
  {
    name: 'a bad chunk size',
    spoils: 'list',
    fails: true,
    answer: (s) => s.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZZ\r\n[]\r\n0\r\n\r\n'),
  },
  {
    name: 'a response head that never ends',
    spoils: 'list',
    fails: true,
    answer: (s) => {
      s.write('HTTP/1.1 200 OK\r\nConnection: close\r\n');
      flood(s, `X-Pad: ${'h'.repeat(8000)}\r\n`);
    },
  },
  {
    name: 'a body that never ends',
    spoils: 'list',
    fails: true,
    answer: (s) => {
      s.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' + chunk('['));
      flood(s, chunk(`{"Id":"${ID}","Names":["/web"],"Labels":{"x":"${'y'.repeat(60_000)}"}},`.repeat(4)));
    },
  },
  {
    name: 'a body that trickles and never ends',
    spoils: 'list',
    fails: true,
    answer: (s) => {
      s.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' + chunk('['));
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write(chunk(' '))), 200);
      s.on('close', () => clearInterval(t));
    },
  },
  {
    name: 'invalid JSON',
    spoils: 'list',
    fails: true,
    answer: (s) => json(s, 200, `[{"Id": "${ID}", "Names": ["/web"], `),
  },
  {
    name: 'wrong types in the list (Names a number, State an object)',
    spoils: 'list',
    fails: false,
    answer: (s) => json(s, 200, JSON.stringify([{ Id: ID, Names: 42, State: { Status: 'running' }, Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' } }])),
  },
  {
    name: 'a list that is not a list',
    spoils: 'list',
    fails: true,
    answer: (s) => json(s, 200, JSON.stringify({ message: 'hello', length: 3 })),
  },
  {
    name: 'an error answer full of escape sequences',
    spoils: 'list',
    fails: true,
    answer: (s) => json(s, 500, JSON.stringify({ message: '\u001b]0;pwned\u0007\u001b[2J\u001b[31mboom\nsecond line\r\u001b[?1049l' })),
  },
  {
    name: 'wrong types in an inspect (State a string, Name a number)',
    spoils: 'inspect',
    fails: false,
    answer: (s) => json(s, 200, JSON.stringify({ Id: ID, Name: 42, State: 'running', Config: { Labels: [1, 2] } })),
  },
  {
    name: 'an inspect body that never ends',
    spoils: 'inspect',
    fails: false,
    answer: (s) => {
      s.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' + chunk(`{"Id":"${ID}","Name":"`));
      flood(s, chunk('z'.repeat(256 * 1024)));
    },
  },
  {
    name: 'a log stream with a bad chunk in its first read',
    spoils: 'logs',
    fails: true,
    answer: (s) => s.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\nZZZZ\r\nhello\r\n'),
  },
  {
    name: 'a log stream that never ends and has no line breaks',
    spoils: 'logs',
    fails: false,
    endless: true,
    answer: (s) => {
      s.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n');
      flood(s, Buffer.from('\u001b[2J'.padEnd(64 * 1024, 'x')));
    },
  },
  {
    name: 'an event replay that never ends',
    spoils: 'events',
    fails: false,
    answer: (s) => s.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'),
  },
];

export interface HostileDocker {
  socketPath: string;
  /** Requests seen, as "METHOD path". */
  requests: string[];
  setCase(c: HostileCase): void;
  close(): Promise<void>;
}

export async function startHostileDocker(): Promise<HostileDocker> {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-hostile-docker-'));
  const socketPath = join(dir, 'docker.sock');
  let current: HostileCase = HOSTILE_CASES[0]!;
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.removeListener('data', onData);
      const [method = '', url = ''] = (head.split('\r\n')[0] ?? '').split(' ');
      requests.push(`${method} ${url}`);
      // Strip the API version prefix: /v1.45/containers/json → /containers/json.
      const path = url.replace(/^\/v\d+\.\d+/, '').split('?')[0]!;
      const spoiled: Spoiled | undefined = path === '/events' ? 'events' : path === '/containers/json' ? 'list' : /^\/containers\/[^/]+\/json$/.test(path) ? 'inspect' : /^\/containers\/[^/]+\/logs$/.test(path) ? 'logs' : undefined;
      if (spoiled && spoiled === current.spoils) return current.answer(sock);
      if (path === '/_ping') return sock.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK');
      if (path === '/version') return json(sock, 200, JSON.stringify({ Version: '27.0.0', ApiVersion: '1.45', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64' }));
      if (path === '/info') return json(sock, 200, JSON.stringify({ NCPU: 2, MemTotal: 2 ** 31, Name: 'hostile', ServerVersion: '27.0.0' }));
      if (spoiled === 'list') return json(sock, 200, GOOD_LIST);
      if (spoiled === 'inspect') return json(sock, 200, GOOD_INSPECT);
      if (spoiled === 'logs') return sock.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/vnd.docker.raw-stream\r\nContent-Length: 0\r\n\r\n');
      // Events: a replay up to `until` ends at once (nothing happened); a live stream is a head,
      // then silence (a quiet daemon), until the client goes away.
      if (path === '/events') return sock[url.includes('until=') ? 'end' : 'write']('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' + (url.includes('until=') ? '0\r\n\r\n' : ''));
      return json(sock, 404, JSON.stringify({ message: 'not here' }));
    };
    sock.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    requests,
    setCase: (c) => {
      current = c;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
