/** Durations for narrow columns: the two largest units, the smaller one dropped when zero. */

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** "3d 4h", "2h 5m", "12m", "45s"; "—" for unknown. Rounds down: 59.9 s of uptime is "59s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const t = Math.max(0, ms);
  if (t >= D) return pair(Math.floor(t / D), 'd', Math.floor((t % D) / H), 'h');
  if (t >= H) return pair(Math.floor(t / H), 'h', Math.floor((t % H) / M), 'm');
  if (t >= M) return `${Math.floor(t / M)}m`;
  return `${Math.floor(t / S)}s`;
}

/** One unit only: "45s", "12m", "3h", "2d". */
export function formatDurationCoarse(ms: number): string {
  const t = Math.max(0, ms);
  if (t >= D) return `${Math.floor(t / D)}d`;
  if (t >= H) return `${Math.floor(t / H)}h`;
  if (t >= M) return `${Math.floor(t / M)}m`;
  return `${Math.floor(t / S)}s`;
}

/**
 * "5m ago". Times slightly in the future (the server's clock ahead of ours) read "just now"
 * rather than a confusing "in 3s".
 */
export function formatAgo(then: number | null | undefined, now: number): string {
  if (then === null || then === undefined || !Number.isFinite(then)) return '—';
  const d = now - then;
  if (d < S) return 'just now';
  return `${formatDurationCoarse(d)} ago`;
}

function pair(a: number, ua: string, b: number, ub: string): string {
  return b > 0 ? `${a}${ua} ${b}${ub}` : `${a}${ua}`;
}
