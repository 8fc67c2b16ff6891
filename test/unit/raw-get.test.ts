import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder, DockerHttpError, rawGet, rawGetJson, rawPing } from '../../src/transport/raw-get.js';

/** A stand-in for the socket: records what was written; the test pushes the server's bytes. */
function fakeSocket() {
  const written: string[] = [];
  let destroyed = false;
  const sock = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk.toString('latin1'));
      cb();
    },
    destroy(err, cb) {
      destroyed = true;
      cb(err);
    },
  });
  return { sock, written, isDestroyed: () => destroyed };
}

const collect = (body: NodeJS.ReadableStream) =>
  new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    body.on('data', (d: Buffer) => parts.push(d));
    body.on('end', () => resolve(Buffer.concat(parts).toString('latin1')));
    body.on('error', reject);
  });

function chunked(parts: string[]): string {
  return parts.map((p) => `${Buffer.byteLength(p, 'latin1').toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';
}

describe('ChunkedDecoder', () => {
  const body = ['first line\n', 'x'.repeat(300), '\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0003ab\n', 'end'];
  const wire = Buffer.from(chunked(body), 'latin1');

  it('returns the bodies of every chunk in a read, whatever the read boundaries', () => {
    for (const step of [1, 2, 3, 5, 7, 64, 1000]) {
      const d = new ChunkedDecoder();
      const out: Buffer[] = [];
      let done = false;
      // feed() compacts each read in place: every pass gets its own copy of the wire bytes.
      const reads = Buffer.from(wire);
      for (let i = 0; i < reads.length; i += step) {
        const r = d.feed(reads.subarray(i, i + step));
        expect(r.parts.length).toBeLessThanOrEqual(1);
        expect(r.error).toBeUndefined();
        out.push(...r.parts);
        done = r.done;
      }
      expect(done).toBe(true);
      expect(Buffer.concat(out).toString('latin1')).toBe(body.join(''));
    }
  });

  it('hands on all the chunks of one read as one buffer, in the read\'s own memory', () => {
    const lines = Array.from({ length: 200 }, (_, k) => `line ${k} ${'x'.repeat(k % 37)}\n`);
    const read = Buffer.from(chunked(lines), 'latin1');
    const r = new ChunkedDecoder().feed(read);
    expect(r).toMatchObject({ done: true });
    expect(r.parts).toHaveLength(1);
    expect(r.parts[0]!.buffer).toBe(read.buffer);
    expect(r.parts[0]!.toString('latin1')).toBe(lines.join(''));
  });

  it('skips chunk extensions and trailers, and accepts upper-case hex', () => {
    const d = new ChunkedDecoder();
    const r = d.feed(Buffer.from('A;name=value\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n'));
    expect(r).toMatchObject({ done: true });
    expect(Buffer.concat(r.parts).toString()).toBe('0123456789');
  });

  it('refuses framing that does not add up', () => {
    expect(new ChunkedDecoder().feed(Buffer.from('zz\r\n')).error).toBe('bad chunk size');
    expect(new ChunkedDecoder().feed(Buffer.from('2\r\nabc\r\n')).error).toBe('chunk longer than its size');
    expect(new ChunkedDecoder().feed(Buffer.from('1234567890abc\r\n')).error).toBe('chunk size too large');
    expect(new ChunkedDecoder().feed(Buffer.from('\r\n')).error).toBe('bad chunk size');
  });
});

describe('rawGet', () => {
  it('sends one GET and streams a chunked 200 body to its end, then closes the socket', async () => {
    const { sock, written, isDestroyed } = fakeSocket();
    const p = rawGet(sock, '/containers/abc/logs?stdout=1&tail=2');
    sock.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel'));
    const r = await p;
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/vnd.docker.raw-stream');
    const text = collect(r.body);
    sock.push(Buffer.from('lo\r\n6\r\n world\r\n0\r\n\r\n'));
    expect(await text).toBe('hello world');
    expect(written).toEqual(['GET /containers/abc/logs?stdout=1&tail=2 HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n']);
    expect(isDestroyed()).toBe(true);
  });

  it('reads Content-Length bodies and bodies that end with the connection', async () => {
    const a = fakeSocket();
    const pa = rawGet(a.sock, '/x');
    a.sock.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdEXTRA'));
    expect(await collect((await pa).body)).toBe('abcd');

    const b = fakeSocket();
    const pb = rawGet(b.sock, '/x');
    b.sock.push(Buffer.from('HTTP/1.0 200 OK\r\n\r\nuntil'));
    const body = collect((await pb).body);
    b.sock.push(Buffer.from(' close'));
    b.sock.push(null);
    expect(await body).toBe('until close');
  });

  it("rejects a non-200 answer with Docker's message, sanitised", async () => {
    const { sock } = fakeSocket();
    const p = rawGet(sock, '/containers/gone/logs');
    const msg = JSON.stringify({ message: 'No such container: gone\u001b]0;pwned\u0007' });
    sock.push(Buffer.from(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(msg)}\r\n\r\n${msg}`));
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerHttpError);
    expect((err as DockerHttpError).status).toBe(404);
    expect((err as Error).message).toBe('no such container: No such container: gone');
  });

  it('fails the body when the stream closes before the response ends (a dropped connection)', async () => {
    const { sock } = fakeSocket();
    const p = rawGet(sock, '/x');
    sock.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'));
    const body = collect((await p).body);
    sock.push(null);
    await expect(body).rejects.toThrow('the stream closed before it ended');
  });

  it('refuses garbage, paths that could split the request, and an aborted signal', async () => {
    const { sock } = fakeSocket();
    const p = rawGet(sock, '/x');
    sock.push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(p).rejects.toThrow(/malformed response from Docker: unexpected status line 'SSH-2.0-OpenSSH'/);
    await expect(rawGet(fakeSocket().sock, '/x HTTP/1.1\r\nEvil: 1')).rejects.toThrow('refusing a request path');
    const ac = new AbortController();
    const f = fakeSocket();
    const pa = rawGet(f.sock, '/x', ac.signal);
    ac.abort();
    await expect(pa).rejects.toThrow('aborted');
    expect(f.isDestroyed()).toBe(true);
  });

  it('pauses the socket while the body is not read (back-pressure)', async () => {
    const { sock } = fakeSocket();
    const p = rawGet(sock, '/x');
    sock.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    const { body } = await p;
    const big = 'y'.repeat(40_000);
    sock.push(Buffer.from(chunked([big]).replace(/0\r\n\r\n$/, '')));
    await new Promise((r) => setImmediate(r));
    expect(sock.isPaused()).toBe(true);
    const text = collect(body);
    sock.push(Buffer.from('0\r\n\r\n'));
    expect((await text).length).toBe(40_000);
  });
});

describe('rawGetJson', () => {
  it('reads the whole chunked answer and parses it', async () => {
    const { sock } = fakeSocket();
    const p = rawGetJson(sock, '/containers/json?all=1');
    sock.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[{"I\r\n'));
    sock.push(Buffer.from('9\r\nd":"abc"}\r\n1\r\n]\r\n0\r\n\r\n'));
    expect(await p).toEqual([{ Id: 'abc' }]);
  });

  it('says so in one line when the answer is not JSON, and passes Docker errors on', async () => {
    const a = fakeSocket();
    const pa = rawGetJson(a.sock, '/containers/json?all=1');
    a.sock.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n<html'));
    await expect(pa).rejects.toThrow("malformed response from Docker: /containers/json did not answer with JSON");
    const b = fakeSocket();
    const pb = rawGetJson(b.sock, '/containers/json?all=1');
    b.sock.push(Buffer.from('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 20\r\n\r\n{"message":"boom!!"}'));
    await expect(pb).rejects.toThrow('server error: boom!!');
  });
});

describe('rawPing', () => {
  it('is OK only for a 200 that says OK, and stops listening to a stream that will not stop talking', async () => {
    const ok = fakeSocket();
    const p1 = rawPing(ok.sock);
    ok.sock.push(Buffer.from('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK'));
    expect(await p1).toBe('OK');
    expect(ok.isDestroyed()).toBe(true);

    const chatty = fakeSocket();
    const p2 = rawPing(chatty.sock);
    chatty.sock.push(Buffer.from('SSH-2.0-\u001b[2Jnot docker\r\n'));
    for (let i = 0; i < 20; i++) chatty.sock.push(Buffer.alloc(1024, 0x41));
    expect(await p2).toBe('SSH-2.0-not docker');
    expect(chatty.isDestroyed()).toBe(true);
  });
});
