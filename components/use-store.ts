import { useCallback, useSyncExternalStore } from 'react';

/** The shape every model store exposes (src/model): plain TypeScript, no React. */
export interface ExternalStore<T> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): T;
}

export function useStore<T>(store: ExternalStore<T>): T {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/**
 * useStore, except that a change `absorb` returns true for does not re-render (the grid's
 * painter draws it). A later render reads the newest snapshot all the same.
 */
export function useStoreUnless<T>(store: ExternalStore<T>, absorb: ((snap: T) => boolean) | undefined): T {
  const subscribe = useCallback(
    (listener: () => void) =>
      store.subscribe(() => {
        if (!absorb?.(store.getSnapshot())) listener();
      }),
    [store, absorb],
  );
  return useSyncExternalStore(subscribe, store.getSnapshot, store.getSnapshot);
}
