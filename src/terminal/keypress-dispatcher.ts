import { createKeypressReader, type Keypress } from './keypress-reader.js';

/**
 * Who gets a key, highest first. A dialog takes every key while it is open, then a text field
 * does; otherwise the screen, and what the screen leaves (its handler returns false) goes to the
 * global handlers. A modal therefore needs nobody below it to switch itself off.
 */
export type KeyLayer = 'dialog' | 'text' | 'screen' | 'global';
const ORDER: readonly KeyLayer[] = ['dialog', 'text', 'screen', 'global'];

/** Returns false to let the key pass to the next layer down (screen → global only). */
export type KeypressHandler = (k: Keypress) => boolean | void;

/**
 * Long enough for the rest of an escape sequence cut by the network to arrive, short enough that
 * Escape still feels immediate (vim's ttimeoutlen is 100 ms).
 */
export const ESC_TIMEOUT_MS = 50;
/** A paste whose end marker never comes (a terminal that lost it) is ended by this much silence. */
export const PASTE_TIMEOUT_MS = 1000;

interface Entry {
  layer: KeyLayer;
  handler: KeypressHandler;
  seq: number;
}

export class KeypressDispatcher {
  private readonly entries: Entry[] = [];
  private seq = 0;
  private readonly reader = createKeypressReader();
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Keypress[] = [];
  private draining = false;

  /** Register a handler; the most recently registered one of a layer is asked first. */
  register(layer: KeyLayer, handler: KeypressHandler): () => void {
    const entry = { layer, handler, seq: this.seq++ };
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  get size(): number {
    return this.entries.length;
  }

  /** One read from the terminal: each key it completes is dispatched in order. */
  write(chunk: string): void {
    this.clearTimer();
    this.enqueue(this.reader.push(chunk));
    if (this.reader.pending()) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.enqueue(this.reader.flush());
      }, this.reader.inPaste() ? PASTE_TIMEOUT_MS : ESC_TIMEOUT_MS);
    }
  }

  /**
   * The first key at once, each further one after the render it caused: React (as Ink runs it)
   * schedules that render from a microtask as a setImmediate task, so the next key is queued
   * from a later microtask onto a later setImmediate. By then the previous key's state is drawn,
   * handlers see it, and a text field it opened is registered: five j's move five rows, not one
   * row five times over.
   */
  private enqueue(keys: Keypress[]): void {
    this.queue.push(...keys);
    if (this.draining) return;
    const next = () => {
      const k = this.queue.shift();
      if (!k) {
        this.draining = false;
        return;
      }
      this.draining = true;
      try {
        this.dispatch(k);
      } finally {
        if (this.queue.length) queueMicrotask(() => setImmediate(next));
        else this.draining = false;
      }
    };
    next();
  }

  /** Nothing queued, nothing waiting for the rest of a sequence. */
  idle(): boolean {
    return !this.draining && this.queue.length === 0 && this.timer === undefined;
  }

  dispose(): void {
    this.clearTimer();
  }

  dispatch(k: Keypress): void {
    for (const layer of ORDER) {
      const here = this.entries.filter((e) => e.layer === layer).sort((a, b) => b.seq - a.seq);
      if (here.length === 0) continue;
      if (layer === 'dialog' || layer === 'text') {
        here[0]!.handler(k);
        return;
      }
      // A paste is text: with no text field open it is dropped, never run as commands.
      if (k.paste) return;
      for (const e of here) {
        if (e.handler(k) !== false) return;
      }
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
