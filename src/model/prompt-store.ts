import { Store } from './store.js';
import type { Prompter, SecretQuestion, UnknownHostKeyQuestion } from '../transport/prompter.js';

export type PendingQuestion =
  | { id: number; kind: 'host-key'; question: UnknownHostKeyQuestion }
  | { id: number; kind: 'secret'; question: SecretQuestion };

export interface PromptSnapshot {
  pending: PendingQuestion | undefined;
}

/**
 * The TUI's Prompter: the transport asks, a dialog on screen answers. Questions are queued so
 * two hops asking at once (a ProxyJump chain) are shown one after the other.
 */
export class PromptStore extends Store<PromptSnapshot> implements Prompter {
  #queue: { q: PendingQuestion; resolve: (v: unknown) => void }[] = [];
  #nextId = 1;

  constructor() {
    super({ pending: undefined });
  }

  confirmUnknownHostKey(question: UnknownHostKeyQuestion): Promise<boolean> {
    return this.#ask({ id: this.#nextId++, kind: 'host-key', question }) as Promise<boolean>;
  }

  askSecret(question: SecretQuestion): Promise<Buffer | null> {
    return this.#ask({ id: this.#nextId++, kind: 'secret', question }) as Promise<Buffer | null>;
  }

  /** Answer the question on screen. A secret answer is handed over as is; the transport zeroes it. */
  readonly answer = (id: number, value: boolean | Buffer | null): void => {
    const head = this.#queue[0];
    if (!head || head.q.id !== id) return;
    this.#queue.shift();
    head.resolve(value);
    this.set({ pending: this.#queue[0]?.q });
  };

  /** Decline everything still waiting (the TUI is quitting). */
  cancelAll(): void {
    for (const { q, resolve } of this.#queue.splice(0)) resolve(q.kind === 'host-key' ? false : null);
    this.set({ pending: undefined });
  }

  #ask(q: PendingQuestion): Promise<unknown> {
    return new Promise((resolve) => {
      this.#queue.push({ q, resolve });
      if (this.#queue.length === 1) this.set({ pending: q });
    });
  }
}
