/**
 * Bounds on dockerode's one-answer requests (lists, inspects, version, actions).
 *
 * docker-modem reads such an answer whole into memory with no limit on its size or on how long
 * it takes, and an answer cut off in the middle of its body leaves the request pending for ever
 * (it listens for the response's 'end' and the request's 'error', not the response's 'error').
 * A daemon that keeps talking then grew opsdeck to gigabytes (measured: 2.7 GB for `status`), a
 * daemon that trickles held it for ever, and a truncated list left `status` to exit with Node's
 * "unsettled top-level await". Here those requests are made the same way but read with a size
 * cap and, for GETs, a deadline; the answer is handed to docker-modem's own buildPayload, so
 * status codes and error messages are what dockerode users expect. Streams (logs, events, stats,
 * exec) are left to docker-modem: their length and duration are the point.
 */
import http from 'node:http';
import type Dockerode from 'dockerode';
import { sanitise } from '../text/sanitise.js';
import { GET_TIMEOUT_MS, MAX_JSON_BODY } from './raw-get.js';
import { DockerAnswerError, MalformedAnswerError } from './answer-error.js';

interface ModemContext {
  isStream?: boolean;
  hijack?: boolean;
  openStdin?: boolean;
  statusCodes: Record<number, unknown>;
}
type Callback = (err: unknown, result?: unknown) => void;
interface Modem {
  protocol?: string;
  buildRequest(options: http.RequestOptions, context: ModemContext, data: unknown, callback: Callback): void;
  buildPayload(err: unknown, isStream: boolean, statusCodes: Record<number, unknown>, openStdin: boolean, req: unknown, res: unknown, json: unknown, cb: Callback): void;
}

export interface RequestBounds {
  maxBytes?: number;
  getTimeoutMs?: number;
}

/** Make `docker`'s one-answer requests bounded (see above). Returns the same client. */
export function boundRequests(docker: Dockerode, bounds: RequestBounds = {}): Dockerode {
  const modem = docker.modem as unknown as Modem;
  const maxBytes = bounds.maxBytes ?? MAX_JSON_BODY;
  const getTimeoutMs = bounds.getTimeoutMs ?? GET_TIMEOUT_MS;
  const original = modem.buildRequest.bind(modem);
  modem.buildRequest = (options, context, data, callback) => {
    const plainBody = data === undefined || typeof data === 'string' || Buffer.isBuffer(data);
    if (context.isStream || context.hijack || context.openStdin || !plainBody || (modem.protocol ?? 'http') !== 'http') {
      original(options, context, data, callback);
      return;
    }
    const method = options.method ?? 'GET';
    // "/v1.45/containers/json?all=1" → "/containers/json": the request, without its arguments.
    const what = `${method} ${sanitise((options.path ?? '').split('?')[0]!.replace(/^\/v\d+\.\d+/, '')).slice(0, 100)}`;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: unknown, res?: http.IncomingMessage, json?: unknown) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (err) callback(describe(err, what));
      else modem.buildPayload(null, false, context.statusCodes, false, req, res, json, callback);
    };
    let req: http.ClientRequest;
    try {
      req = http.request(options);
    } catch (err) {
      callback(err);
      return;
    }
    if (method === 'GET') timer = setTimeout(() => req.destroy(new DockerAnswerError(`Docker did not answer ${what} within ${getTimeoutMs / 1000} s`)), getTimeoutMs);
    req.on('error', (err) => finish(err));
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          parts.length = 0;
          req.destroy(new MalformedAnswerError(`malformed response from Docker: more than ${Math.round(maxBytes / 1024 / 1024)} MB for ${what}`));
        } else parts.push(chunk);
      });
      res.on('error', (err) => finish(err));
      res.on('aborted', () => finish(new MalformedAnswerError(`malformed response from Docker: the answer to ${what} was cut off`)));
      res.on('end', () => {
        if (!res.complete) return finish(new MalformedAnswerError(`malformed response from Docker: the answer to ${what} was cut off`));
        const body = Buffer.concat(parts, size);
        let json: unknown = body;
        if (body.length > 0) {
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            // Docker labels its JSON; an answer that says JSON and is not, is not Docker's.
            if (/^application\/json/i.test(res.headers['content-type'] ?? '')) return finish(new MalformedAnswerError(`malformed response from Docker: ${what} did not answer with JSON`));
          }
        }
        finish(null, res, json);
      });
    });
    if (data !== undefined) req.write(data as string | Buffer);
    req.end();
  };
  return docker;
}

/** Node's HTTP parser errors (HPE_*) say what was wrong with the bytes; say whose bytes they were. */
function describe(err: unknown, what: string): unknown {
  if (err instanceof DockerAnswerError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && e.code.startsWith('HPE_')) {
    return Object.assign(new MalformedAnswerError(`malformed response from Docker to ${what}: ${sanitise(e.message).slice(0, 120)}`), { code: e.code });
  }
  return err;
}
