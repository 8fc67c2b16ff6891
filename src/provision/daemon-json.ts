/**
 * /etc/docker/daemon.json: log rotation (json-file, max-size 50m, max-file 5, as the seeds use)
 * and live-restore, merged into what is there. Keys the operator already set are kept, even when
 * they differ from ours (that is a decision someone made); only missing ones are added. A file
 * that is not a JSON object is never overwritten: provision stops and says why.
 *
 * The file is the server's text: every value quoted back in a reason or a detail is sanitised
 * (JSON.stringify escapes control characters but not bidi controls; a string value or a
 * JSON.parse message would carry them raw).
 */
import { sanitise } from '../text/sanitise.js';

export const DAEMON_JSON = '/etc/docker/daemon.json';
export const WANT_LOG_OPTS = { 'max-size': '50m', 'max-file': '5' } as const;

/** Drivers that rotate by themselves or keep logs elsewhere: no log-opts needed from us. */
const ROTATING_DRIVERS = new Set(['local', 'journald', 'syslog', 'none', 'fluentd', 'gelf', 'awslogs', 'gcplogs', 'splunk', 'etwlogs']);

export type DaemonJsonMerge =
  | { ok: true; changed: boolean; text: string; added: string[]; kept: string[] }
  | { ok: false; reason: string };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseDaemonJson(text: string | null): { ok: true; value: Json } | { ok: false; reason: string } {
  if (text === null || text.trim() === '') return { ok: true, value: {} };
  try {
    const v: unknown = JSON.parse(text);
    if (!isObject(v)) return { ok: false, reason: `${DAEMON_JSON} is not a JSON object` };
    return { ok: true, value: v };
  } catch (err) {
    return { ok: false, reason: `${DAEMON_JSON} is not valid JSON (${sanitise((err as Error).message.split('\n')[0] ?? '')})` };
  }
}

export function mergeDaemonJson(existing: string | null): DaemonJsonMerge {
  const parsed = parseDaemonJson(existing);
  if (!parsed.ok) return parsed;
  const cfg: Json = { ...parsed.value };
  const added: string[] = [];
  const kept: string[] = [];
  const driver = typeof cfg['log-driver'] === 'string' ? (cfg['log-driver'] as string) : undefined;
  if (driver === undefined) {
    cfg['log-driver'] = 'json-file';
    added.push('"log-driver": "json-file"');
  } else if (driver !== 'json-file') kept.push(`"log-driver": "${sanitise(driver)}" (not json-file: its own rotation applies)`);
  if ((cfg['log-driver'] as string) === 'json-file') {
    const opts: Json = isObject(cfg['log-opts']) ? { ...(cfg['log-opts'] as Json) } : {};
    if (cfg['log-opts'] !== undefined && !isObject(cfg['log-opts'])) return { ok: false, reason: `${DAEMON_JSON}: "log-opts" is not an object` };
    for (const [k, v] of Object.entries(WANT_LOG_OPTS)) {
      if (opts[k] === undefined) {
        opts[k] = v;
        added.push(`"log-opts"."${k}": "${v}"`);
      } else if (opts[k] !== v) kept.push(`"log-opts"."${k}": ${sanitise(JSON.stringify(opts[k]) ?? String(opts[k]))}`);
    }
    cfg['log-opts'] = opts;
  }
  if (cfg['live-restore'] === undefined) {
    cfg['live-restore'] = true;
    added.push('"live-restore": true');
  } else if (cfg['live-restore'] !== true) kept.push(`"live-restore": ${sanitise(JSON.stringify(cfg['live-restore']) ?? String(cfg['live-restore']))}`);
  return { ok: true, changed: added.length > 0, text: `${JSON.stringify(cfg, null, 2)}\n`, added, kept };
}

export interface RotationVerdict {
  status: 'pass' | 'warn' | 'fail';
  detail: string;
}

/** Audit: does the daemon's default log driver rotate? */
export function judgeLogRotation(value: Json): RotationVerdict {
  const raw = typeof value['log-driver'] === 'string' ? (value['log-driver'] as string) : 'json-file';
  const driver = sanitise(raw);
  if (raw !== 'json-file') {
    return ROTATING_DRIVERS.has(driver) ? { status: 'pass', detail: `log-driver ${driver} (rotates or ships logs by itself)` } : { status: 'warn', detail: `log-driver ${driver}: check its rotation` };
  }
  const opts = isObject(value['log-opts']) ? (value['log-opts'] as Json) : {};
  const size = opts['max-size'];
  const files = opts['max-file'];
  if (size === undefined) return { status: 'fail', detail: 'json-file without max-size: container logs grow until the disk is full' };
  return { status: 'pass', detail: sanitise(`json-file, max-size ${String(size)}, max-file ${files === undefined ? '1 (default)' : String(files)}`) };
}
