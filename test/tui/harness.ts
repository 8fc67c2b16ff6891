import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { plainLine } from '../../src/render/line-patch.js';
import { keysSettled } from '../../components/use-keypress.js';

/**
 * Send input and wait for the frame to show what we expect, instead of sleeps sprinkled through
 * tests. ink 6 subscribes useInput after a macrotask and flushes a lone ESC on setImmediate, so
 * every step yields to the event loop before looking.
 */
export function mount(element: ReactElement, opts: { plain?: boolean } = {}) {
  const r = render(element);
  const tick = () => new Promise((res) => setImmediate(res));
  // Tables draw selection and headings in inverse and bold even without colours: `plain` reads
  // the cells' text only.
  const last = () => (opts.plain ? (r.lastFrame() ?? '').split('\n').map(plainLine).join('\n') : (r.lastFrame() ?? ''));
  return {
    ...r,
    /** The last frame as written (or as text only, with `plain`). */
    raw: () => r.lastFrame() ?? '',
    frame: last,
    async ready() {
      await tick();
      await tick();
    },
    async press(...keys: string[]) {
      for (const k of keys) {
        // A screen that just mounted subscribes useInput in an effect: let it run first.
        await tick();
        r.stdin.write(k);
        await tick();
        await tick();
        // Every key of the write handled (a lone ESC is only known after a short silence).
        await keysSettled();
        await tick();
      }
    },
    async waitFor(predicate: (frame: string) => boolean, timeoutMs = 2000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const f = last();
        if (predicate(f)) return f;
        if (Date.now() > deadline) throw new Error(`frame never matched; last frame:\n${f}`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
  };
}

export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  enter: '\r',
  esc: '\u001b',
  pageDown: '\u001b[6~',
  pageUp: '\u001b[5~',
  ctrlC: '\u0003',
  ctrlU: '\u0015',
  ctrlZ: '\u001a',
} as const;

/** A store holding a fixed snapshot that tests can change, like the real stores do. */
export function valueStore<T>(initial: T) {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getSnapshot: () => value,
    set(next: T) {
      value = next;
      for (const l of listeners) l();
    },
  };
}
