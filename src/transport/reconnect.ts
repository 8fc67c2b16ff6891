/**
 * How long to wait before reconnect attempt N: 1 s, 2 s, 4 s, 8 s, then 10 s for good.
 * No jitter: there is one client per server, so no herd to spread out, and the UI can then
 * say exactly when the next try happens.
 */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 1000;
  const max = opts.maxMs ?? 10_000;
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(max, base * 2 ** Math.min(n - 1, 30));
}

/** A sleep that can be cut short (retry now) or cancelled (close). */
export function cancellableSleep(ms: number): { done: Promise<'slept' | 'woken' | 'cancelled'>; wake(): void; cancel(): void } {
  let finish!: (r: 'slept' | 'woken' | 'cancelled') => void;
  const done = new Promise<'slept' | 'woken' | 'cancelled'>((resolve) => {
    finish = resolve;
  });
  const timer = setTimeout(() => finish('slept'), ms);
  return {
    done,
    wake: () => {
      clearTimeout(timer);
      finish('woken');
    },
    cancel: () => {
      clearTimeout(timer);
      finish('cancelled');
    },
  };
}
