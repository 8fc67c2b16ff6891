/**
 * The bundled `opsdeck logs` in local mode against a stand-in Docker socket (a unix socket
 * under /tmp served by this test) whose log answer has bad chunk framing: one line, exit 2, no
 * crash and no stack, and no endless retry of an answer that would be as bad the next time.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let server: net.Server;
let socketPath: string;

const ID = 'a'.repeat(64);
const LIST = JSON.stringify([{ Id: ID, Names: ['/web'], Image: 'busybox', State: 'running', Status: 'Up', Labels: {} }]);
const INSPECT = JSON.stringify({ Id: ID, Name: '/web', Config: { Tty: false, Labels: {} }, State: { Running: true } });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-standin-'));
  socketPath = path.join(dir, 'docker.sock');
  server = net.createServer((c) => {
    c.on('error', () => {});
    let head = '';
    c.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const target = head.split(' ')[1] ?? '';
      head = '';
      const json = (body: string) => c.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      // Head and the bad chunk in one write: the body fails within the read that resolves it.
      if (target.includes('/logs')) c.end('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n');
      else if (target.includes('/_ping')) c.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK');
      else if (target.includes('/containers/json')) json(LIST);
      else if (target.includes('/json')) json(INSPECT);
      else c.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(() => {
  server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('dist/opsdeck.mjs'), ...args], { env: { PATH: process.env.PATH ?? '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Only so that a hang fails the test instead of holding it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a malformed answer from a stand-in Docker socket', () => {
  it('ends `opsdeck logs` with one line and exit 2', async () => {
    const r = await run(['logs', '--local', '--socket', socketPath, 'web']);
    expect(r.stderr.trim().split('\n')).toEqual(['opsdeck: logs: web: malformed response from Docker: bad chunk size']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  }, 30_000);
});
