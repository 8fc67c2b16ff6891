/**
 * A GET to the Docker API on a raw stream (an SSH channel to the socket, dial-stdio, or the local
 * socket), answered with the response body as a Readable.
 *
 * Why not Node's HTTP client: dockerd flushes every log line as its own HTTP chunk, and Node's
 * parser hands each chunk to JavaScript as its own Buffer and 'data' event: 10,000 events for
 * `--tail 10000`. Here the chunk framing is removed from each read of the stream at once, so the
 * body arrives in one Buffer per read (measured in bench/logs-tail.ts). Used for the log stream,
 * for every connection's ping (rawPing) and for the container list `opsdeck logs` reads first
 * (rawGetJson): that command then never builds an HTTP request with Node's client, whose first
 * use costs more than the request. Everything else goes through dockerode.
 */
import { Readable, type Duplex } from 'node:stream';
import { sanitise } from '../text/sanitise.js';
import { DockerAnswerError, MalformedAnswerError } from './answer-error.js';

/** A response head larger than this is not Docker's. */
const MAX_HEAD = 64 * 1024;
/** Error bodies are read up to this much for their message. */
const MAX_ERROR_BODY = 64 * 1024;

export class DockerHttpError extends DockerAnswerError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RawGetResult {
  status: number;
  headers: Map<string, string>;
  body: Readable;
}

/**
 * Send `GET path` on `socket` and resolve once the head is in: the body streams afterwards. A
 * status other than 200 rejects with DockerHttpError carrying Docker's message. The socket is
 * ours from here on: destroyed when the body ends, fails, or the caller destroys the body.
 */
export function rawGet(socket: Duplex, path: string, signal?: AbortSignal): Promise<RawGetResult> {
  // The path is built by our callers from encoded parts; anything that could end the request
  // line or split a header is refused rather than sent.
  if (!/^\/[\x21-\x7e]*$/.test(path)) return Promise.reject(new Error('refusing a request path with spaces or control characters'));
  return new Promise((resolve, reject) => {
    let head: Buffer = Buffer.alloc(0);
    let settled = false;
    let decoder: BodyDecoder | null = null;
    let body: Readable | null = null;
    let status = 0;
    let errorText = '';

    const fail = (err: Error) => {
      cleanup();
      socket.destroy();
      if (!settled) {
        settled = true;
        reject(err);
      } else if (body) failBody(body, err);
    };
    const onAbort = () => fail(new Error('the request was aborted'));
    const cleanup = () => {
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', fail);
      socket.removeListener('close', onClose);
    };

    const deliver = (parts: Buffer[], done: boolean) => {
      if (status !== 200) {
        for (const p of parts) if (errorText.length < MAX_ERROR_BODY) errorText += p.toString('utf8');
        if (done || errorText.length >= MAX_ERROR_BODY) fail(new DockerHttpError(status, errorMessage(status, errorText)));
        return;
      }
      const chunk = parts.length === 1 ? parts[0]! : parts.length > 1 ? Buffer.concat(parts) : null;
      if (chunk && chunk.length > 0 && !body!.push(chunk)) socket.pause();
      if (done) {
        cleanup();
        body!.push(null);
        socket.destroy();
      }
    };

    const onData = (data: Buffer) => {
      if (decoder) {
        const r = decoder.feed(data);
        if (r.error) return fail(new MalformedAnswerError(`malformed response from Docker: ${r.error}`));
        return deliver(r.parts, r.done);
      }
      head = head.length === 0 ? data : Buffer.concat([head, data]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(new MalformedAnswerError('malformed response from Docker: no end to the response head'));
        return;
      }
      const parsed = parseHead(head.subarray(0, end).toString('latin1'));
      if (typeof parsed === 'string') return fail(new MalformedAnswerError(`malformed response from Docker: ${parsed}`));
      status = parsed.status;
      const made = bodyDecoder(parsed.headers);
      if (typeof made === 'string') return fail(new MalformedAnswerError(`malformed response from Docker: ${made}`));
      decoder = made;
      if (status === 200) {
        body = new Readable({
          read: () => {
            socket.resume();
          },
          destroy: (err, cb) => {
            cleanup();
            socket.destroy();
            cb(err);
          },
        });
        settled = true;
        resolve({ status, headers: parsed.headers, body });
      }
      const rest = head.subarray(end + 4);
      head = Buffer.alloc(0);
      if (rest.length > 0) onData(rest);
      else if (made.doneAtStart) deliver([], true);
    };
    const onEnd = () => {
      if (decoder?.untilClose) return deliver([], true);
      fail(new DockerAnswerError('the stream closed before it ended'));
    };
    const onClose = () => fail(new DockerAnswerError('the stream closed before it ended'));

    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', fail);
    socket.once('close', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n`);
  });
}

/**
 * Fail a body the caller may not be listening to yet. The head and a bad first chunk often come in
 * one read (always on the local socket and on dial-stdio): the body would fail within the same
 * tick the promise resolved, and its 'error' would be emitted (on process.nextTick, before the
 * awaiting caller's continuation runs) to nobody, which throws it out of the event loop. So the
 * error waits for a listener; for-await and stream.finished() attach one too. A body nobody ever
 * listens to stays unfailed, its socket already gone.
 */
function failBody(body: Readable, err: Error): void {
  if (body.destroyed) return;
  if (body.listenerCount('error') > 0) {
    body.destroy(err);
    return;
  }
  const onListener = (event: string | symbol) => {
    if (event !== 'error') return;
    body.removeListener('newListener', onListener);
    // 'newListener' fires before the listener is added: fail the body once it is in place.
    process.nextTick(() => body.destroy(err));
  };
  body.on('newListener', onListener);
}

/**
 * One-value answers larger than this are not what we asked for (the container list of a big host
 * is ~1 MB, an inspect a few KB). Also dockerode's bound (bounded-requests.ts).
 */
export const MAX_JSON_BODY = 16 * 1024 * 1024;
/** A GET of one value that has not answered whole by then is not coming (a big host's list: < 1 s). */
export const GET_TIMEOUT_MS = 30_000;

/**
 * GET `path` and parse the whole answer as JSON. The value is untrusted: callers check its shape.
 * Non-200 answers reject with DockerHttpError, like rawGet.
 */
export async function rawGetJson(socket: Duplex, path: string, signal?: AbortSignal, timeoutMs = GET_TIMEOUT_MS): Promise<unknown> {
  const what = path.split('?')[0];
  let timer: NodeJS.Timeout | undefined;
  // Destroying the socket ends the read below too, whichever part of the answer it is in.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      socket.destroy();
      reject(new DockerAnswerError(`Docker did not answer GET ${what} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  const read = async () => {
    const { body } = await rawGet(socket, path, signal);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_JSON_BODY) {
        body.destroy();
        throw new MalformedAnswerError(`malformed response from Docker: more than ${MAX_JSON_BODY / 1024 / 1024} MB for ${what}`);
      }
      parts.push(chunk);
    }
    try {
      return JSON.parse(Buffer.concat(parts, size).toString('utf8')) as unknown;
    } catch {
      throw new MalformedAnswerError(`malformed response from Docker: ${what} did not answer with JSON`);
    }
  };
  try {
    return await Promise.race([read(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET /_ping on a raw stream: 'OK', or what came back instead. Closes the stream. */
export function rawPing(stream: Duplex, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = (v: string) => {
      clearTimeout(timer);
      stream.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done('no answer'), timeoutMs);
    stream.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (/\r\n\r\n/.test(text) && /^HTTP\/1\.[01] 200/.test(text) && text.endsWith('OK')) done('OK');
      // Docker's answer is a few hundred bytes; whatever keeps talking is not Docker.
      else if (text.length > 16 * 1024) done(sanitise(text.slice(0, 200).split('\r\n')[0] ?? ''));
    });
    stream.on('error', () => done(text ? sanitise(text.split('\r\n')[0] ?? '') : 'the stream failed'));
    stream.on('close', () => done(/^HTTP\/1\.[01] 200/.test(text) ? 'OK' : text ? sanitise(text.split('\r\n')[0] ?? '') : 'closed without an answer'));
    stream.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n');
  });
}

function parseHead(text: string): { status: number; headers: Map<string, string> } | string {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!m) return `unexpected status line '${sanitise(lines[0] ?? '').slice(0, 80)}'`;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `unexpected header line '${sanitise(line).slice(0, 80)}'`;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(m[1]), headers };
}

/** Docker's error bodies are {"message": "..."}; anything else is shown as text, sanitised. */
function errorMessage(status: number, text: string): string {
  let message = text.trim();
  try {
    const j = JSON.parse(message) as unknown;
    if (j && typeof j === 'object' && typeof (j as { message?: unknown }).message === 'string') message = (j as { message: string }).message;
  } catch {
    // Not JSON: keep the text.
  }
  const what = status === 404 ? 'no such container' : status >= 500 ? 'server error' : `HTTP ${status}`;
  return sanitise(message ? `${what}: ${message}` : what).slice(0, 500);
}

export interface FeedResult {
  /** Body bytes found in this input, in order (views into it; at most one). */
  parts: Buffer[];
  /** The body is complete. */
  done: boolean;
  error?: string;
}

export interface BodyDecoder {
  /** May rearrange `data` in place: pass buffers nobody else reads (a socket's reads are). */
  feed(data: Buffer): FeedResult;
  /** No body at all (Content-Length: 0). */
  readonly doneAtStart: boolean;
  /** The body ends when the stream does (no length, not chunked). */
  readonly untilClose: boolean;
}

function bodyDecoder(headers: Map<string, string>): BodyDecoder | string {
  const te = headers.get('transfer-encoding');
  if (te !== undefined) {
    if (te.toLowerCase() !== 'chunked') return `unsupported transfer encoding '${sanitise(te).slice(0, 40)}'`;
    return new ChunkedDecoder();
  }
  const cl = headers.get('content-length');
  if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl)) return `bad content length '${sanitise(cl).slice(0, 40)}'`;
    return new LengthDecoder(Number(cl));
  }
  return new LengthDecoder(Infinity);
}

class LengthDecoder implements BodyDecoder {
  #left: number;
  constructor(length: number) {
    this.#left = length;
  }
  get doneAtStart(): boolean {
    return this.#left === 0;
  }
  get untilClose(): boolean {
    return this.#left === Infinity;
  }
  feed(data: Buffer): FeedResult {
    if (this.#left === 0) return { parts: [], done: true };
    const take = Math.min(this.#left, data.length);
    this.#left -= take;
    return { parts: [take === data.length ? data : data.subarray(0, take)], done: this.#left === 0 };
  }
}

const enum Chunk {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  Done,
}

/**
 * "hex-size[;ext]\r\n data \r\n" … "0\r\n" trailers "\r\n" (RFC 9112 §7.1), byte by byte across reads.
 *
 * dockerd flushes every log line as its own chunk, so a read holds hundreds of them. Their data
 * is moved together to the front of the read's own buffer (it only ever moves left, over framing
 * already consumed) and handed on as one view: no Buffer object per chunk, and no copy into a
 * new one afterwards.
 */
export class ChunkedDecoder implements BodyDecoder {
  readonly doneAtStart = false;
  readonly untilClose = false;
  #state = Chunk.Size;
  #size = 0;
  #digits = 0;
  #left = 0;
  /** Characters of the current trailer line (0 at the start of a line). */
  #trailerLine = 0;

  feed(data: Buffer): FeedResult {
    let w = 0;
    const result = (done: boolean, error?: string): FeedResult => ({ parts: w > 0 ? [data.subarray(0, w)] : [], done, ...(error ? { error } : {}) });
    let i = 0;
    const n = data.length;
    while (i < n) {
      switch (this.#state) {
        case Chunk.Data: {
          const take = Math.min(this.#left, n - i);
          if (w !== i) data.copyWithin(w, i, i + take);
          w += take;
          i += take;
          this.#left -= take;
          if (this.#left === 0) this.#state = Chunk.DataCr;
          break;
        }
        case Chunk.Size: {
          const c = data[i++]!;
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.#digits > 12) return result(false, 'chunk size too large');
            this.#size = this.#size * 16 + v;
          } else if (this.#digits > 0 && (c === 0x3b || c === 0x20 || c === 0x09)) this.#state = Chunk.Extension;
          else if (this.#digits > 0 && c === 0x0d) this.#state = Chunk.SizeLf;
          else return result(false, 'bad chunk size');
          break;
        }
        case Chunk.Extension: {
          const cr = data.indexOf(0x0d, i);
          if (cr < 0) i = n;
          else {
            i = cr + 1;
            this.#state = Chunk.SizeLf;
          }
          break;
        }
        case Chunk.SizeLf: {
          if (data[i++] !== 0x0a) return result(false, 'bad chunk header');
          if (this.#size === 0) {
            this.#state = Chunk.Trailer;
            this.#trailerLine = 0;
          } else {
            this.#left = this.#size;
            this.#state = Chunk.Data;
          }
          this.#size = 0;
          this.#digits = 0;
          break;
        }
        case Chunk.DataCr:
          if (data[i++] !== 0x0d) return result(false, 'chunk longer than its size');
          this.#state = Chunk.DataLf;
          break;
        case Chunk.DataLf:
          if (data[i++] !== 0x0a) return result(false, 'chunk longer than its size');
          this.#state = Chunk.Size;
          break;
        case Chunk.Trailer: {
          const c = data[i++]!;
          if (c === 0x0a) {
            // An empty line (just "\r\n") ends the trailers and the body.
            if (this.#trailerLine <= 1) {
              this.#state = Chunk.Done;
              return result(true);
            }
            this.#trailerLine = 0;
          } else this.#trailerLine++;
          break;
        }
        case Chunk.Done:
          return result(true);
      }
    }
    return result(this.#state === Chunk.Done);
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
