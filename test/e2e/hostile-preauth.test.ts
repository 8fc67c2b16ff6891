/**
 * A hostile SSH server on loopback: it sends an identification line, then an SSH_MSG_DISCONNECT
 * whose description is full of terminal escapes (retitle the window, clear the screen, colour,
 * a carriage return, a bidi override). Anyone on the path can send that before any host key check,
 * so opsdeck must print it only cleaned: doctor's table and JSON, and status's one line.
 */
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tmpDir } from './unlock-helpers.js';

const DESCRIPTION = 'go away \u001b]0;pwned\u0007\u001b[2J\u001b[31mred\r\nforged line\u009b1m\u202etxet';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** An unencrypted binary packet (RFC 4253 §6) holding SSH_MSG_DISCONNECT (1), reason 2 (protocol error). */
function disconnectPacket(desc: string): Buffer {
  const d = Buffer.from(desc, 'utf8');
  const payload = Buffer.concat([Buffer.from([1]), u32(2), u32(d.length), d, u32(0)]);
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  return Buffer.concat([u32(1 + payload.length + pad), Buffer.from([pad]), payload, Buffer.alloc(pad)]);
}

let server: net.Server;
const sockets = new Set<net.Socket>();
let port: number;
let dir: string;

beforeAll(async () => {
  dir = tmpDir('hostile-preauth');
  server = net.createServer((s) => {
    s.on('error', () => undefined);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.write('SSH-2.0-OpenSSH_9.2p1\r\n');
    setTimeout(() => s.end(disconnectPacket(DESCRIPTION)), 30);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server?.close(r));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const common = () => ['--host', `deploy@127.0.0.1:${port}`, '--config', path.join(dir, 'none.json')];
const env = () => ({ HOME: dir });

describe('server text sent before authentication', () => {
  it('reaches doctor (table and JSON) and status only cleaned', async () => {
    const table = await runCli(['doctor', ...common()], { env: env() });
    expect(table.code).toBe(1);
    // The description is quoted (it is what the server said), without a single control character.
    expect(table.stdout).toContain('go away');
    expect(table.stdout.split('\n').filter((l) => l.includes('go away'))).toHaveLength(1);
    expect(table.stdout + table.stderr).not.toMatch(CONTROL);

    const json = await runCli(['doctor', '--json', ...common()], { env: env() });
    const report = JSON.parse(json.stdout) as { steps: { detail: string }[] };
    const said = report.steps.find((s) => s.detail.includes('go away'));
    expect(said?.detail).toBeDefined();
    expect(said!.detail).not.toMatch(CONTROL);

    const status = await runCli(['status', ...common()], { env: env() });
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('go away');
    expect(status.stdout + status.stderr).not.toMatch(CONTROL);
  });
});
