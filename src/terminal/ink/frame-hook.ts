/**
 * Who may see, and amend, the frames Ink writes to a stream: the grid's painter
 * (./grid-painter.ts). Ink's log-update is replaced by ./log-update.ts, which asks here at each
 * write. A stream has at most one hook.
 */
export interface FrameHook {
  /** The frame about to be written; returns what to write instead (or the same string). */
  overlay(frame: string): string;
  /** What is now on the screen below the cursor's starting line; '' after a clear. */
  written(frame: string, state: { cursorShown: boolean }): void;
}

const hooks = new WeakMap<object, FrameHook>();

export function hookFrames(stream: object, hook: FrameHook): () => void {
  hooks.set(stream, hook);
  return () => {
    if (hooks.get(stream) === hook) hooks.delete(stream);
  };
}

export function frameHookOf(stream: object): FrameHook | undefined {
  return hooks.get(stream);
}
