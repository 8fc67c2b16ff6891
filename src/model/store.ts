/**
 * The base of every model store: plain TypeScript with subscribe() + getSnapshot(), so React
 * reads it through useSyncExternalStore and the CLI reads it directly. Snapshots are immutable;
 * a new object means "changed", which is what lets the UI skip redraws when nothing changed.
 */
export class Store<T> {
  #snapshot: T;
  #listeners = new Set<() => void>();

  constructor(initial: T) {
    this.#snapshot = initial;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.onFirstSubscriber();
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.onLastUnsubscribe();
    };
  };

  readonly getSnapshot = (): T => this.#snapshot;

  protected set(next: T): void {
    if (Object.is(next, this.#snapshot)) return;
    this.#snapshot = next;
    for (const l of [...this.#listeners]) l();
  }

  protected update(fn: (prev: T) => T): void {
    this.set(fn(this.#snapshot));
  }

  /** Long-running work (polls, streams) starts with the first subscriber… */
  protected onFirstSubscriber(): void {}
  /** …and stops when the last one leaves. */
  protected onLastUnsubscribe(): void {}
}
