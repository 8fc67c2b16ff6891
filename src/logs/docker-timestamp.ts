/**
 * Docker's log timestamps. With `timestamps=true` the logs API puts RFC3339NanoFixed in front of
 * every message ("2026-11-22T18:32:57.984103314Z "): always nine fraction digits and, for the
 * UTC times Docker stores, a trailing Z. Lines keep that form as their `ts`, so two timestamps
 * compare correctly as plain strings: the merge and the resume cursor rely on it.
 */

const ZERO = 48;
const NINE = 57;

function digitAt(buf: Uint8Array, i: number): boolean {
  const c = buf[i];
  return c !== undefined && c >= ZERO && c <= NINE;
}

function digitsAt(buf: Uint8Array, from: number, count: number): boolean {
  for (let i = from; i < from + count; i++) if (!digitAt(buf, i)) return false;
  return true;
}

/**
 * Length of the timestamp prefix (including its trailing space) at `start`, or 0 when the bytes
 * there are not one. `end` bounds the search; a prefix cut by `end` also reads as 0, so callers
 * that can see more bytes later should ask again (see `TIMESTAMP_PREFIX_MAX`).
 */
export function timestampPrefixLength(buf: Uint8Array, start: number, end: number = buf.length): number {
  // YYYY-MM-DDTHH:MM:SS
  if (end - start < 21) return 0;
  if (!digitsAt(buf, start, 4) || buf[start + 4] !== 0x2d || !digitsAt(buf, start + 5, 2) || buf[start + 7] !== 0x2d) return 0;
  if (!digitsAt(buf, start + 8, 2) || buf[start + 10] !== 0x54 || !digitsAt(buf, start + 11, 2) || buf[start + 13] !== 0x3a) return 0;
  if (!digitsAt(buf, start + 14, 2) || buf[start + 16] !== 0x3a || !digitsAt(buf, start + 17, 2)) return 0;
  let i = start + 19;
  if (buf[i] === 0x2e) {
    i++;
    const from = i;
    while (i < end && digitAt(buf, i)) i++;
    if (i === from || i - from > 9) return 0;
  }
  // Nothing at or past `end` is read: callers pass one message inside a larger buffer.
  if (i >= end) return 0;
  if (buf[i] === 0x5a) {
    i++;
  } else if (buf[i] === 0x2b || buf[i] === 0x2d) {
    if (end - i < 6 || !digitsAt(buf, i + 1, 2) || buf[i + 3] !== 0x3a || !digitsAt(buf, i + 4, 2)) return 0;
    i += 6;
  } else {
    return 0;
  }
  if (i >= end || buf[i] !== 0x20) return 0;
  return i + 1 - start;
}

/** The longest prefix timestampPrefixLength() accepts: with less than this in view, wait for more. */
export const TIMESTAMP_PREFIX_MAX = 19 + 10 + 6 + 1;

const FIXED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;
const LOOSE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/**
 * A timestamp in the fixed UTC form (nine fraction digits, Z), or '' when `text` is none.
 * Docker already sends that form; anything else is converted so that string order stays time order.
 */
export function normaliseTimestamp(text: string): string {
  if (text.length === 30 && FIXED.test(text)) return text;
  const m = LOOSE.exec(text);
  if (!m) return '';
  const fraction = (m[2] ?? '').padEnd(9, '0');
  const ms = Date.parse(`${m[1]}${m[3] === 'Z' ? 'Z' : m[3]}`);
  if (!Number.isFinite(ms)) return '';
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Epoch milliseconds of a normalised timestamp (NaN for ''). */
export function timestampMs(ts: string): number {
  if (ts === '') return Number.NaN;
  return Date.parse(`${ts.slice(0, 23)}Z`);
}

/** The `since` query value for the logs API ("seconds.nanoseconds"), which Docker treats as inclusive. */
export function sinceFromTimestamp(ts: string): string {
  const seconds = Math.floor(Date.parse(`${ts.slice(0, 19)}Z`) / 1000);
  return `${seconds}.${ts.slice(20, 29)}`;
}

/** "18:33:04.094" (UTC), the view's short form. */
export function shortTime(ts: string): string {
  return ts === '' ? '' : ts.slice(11, 23);
}

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/**
 * `--since` as the operator types it: a duration back from `now` ("10m", "1h30m", "2d", "45s"),
 * an RFC 3339 / ISO date or time ("2026-11-22", "2026-11-22T18:00:00Z"), or Unix seconds.
 * Returns the API's "seconds.nanoseconds", or null when the text is none of those.
 */
export function parseSince(text: string, now: number = Date.now()): string | null {
  const s = text.trim();
  if (s === '') return null;
  const d = DURATION.exec(s);
  if (d && (d[1] || d[2] || d[3] || d[4])) {
    const ms = ((Number(d[1] ?? 0) * 24 + Number(d[2] ?? 0)) * 60 + Number(d[3] ?? 0)) * 60_000 + Number(d[4] ?? 0) * 1000;
    return secondsString(now - ms);
  }
  if (/^\d{9,11}(\.\d{1,9})?$/.test(s)) {
    const [sec, frac = ''] = s.split('.');
    return `${sec}.${frac.padEnd(9, '0')}`;
  }
  // Date.parse reads a bare date as UTC and a date-time without zone as local time, like docker.
  if (/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?$/.test(s)) {
    const ms = Date.parse(s.replace(' ', 'T'));
    if (Number.isFinite(ms)) return secondsString(ms);
  }
  return null;
}

function secondsString(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const nanos = Math.round((ms - whole * 1000) * 1e6);
  return `${Math.max(0, whole)}.${String(nanos).padStart(9, '0')}`;
}
