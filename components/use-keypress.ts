import { useLayoutEffect, useRef } from 'react';
import { useStdin } from 'ink';
import type { EventEmitter } from 'node:events';
import { KeypressDispatcher, type KeyLayer } from '../src/terminal/keypress-dispatcher.js';
import type { Keypress } from '../src/terminal/keypress-reader.js';
import { keyInfo, type KeyInfo } from './key-bindings.js';

export type { KeyLayer } from '../src/terminal/keypress-dispatcher.js';

/**
 * One dispatcher per Ink instance, fed by Ink's stdin events. Ink hands a whole read (or a
 * whole escape sequence) to its listeners as one string; the dispatcher splits it into keys.
 */
const dispatchers = new WeakMap<EventEmitter, { dispatcher: KeypressDispatcher; users: number }>();
const live = new Set<KeypressDispatcher>();

/** Resolves once every key written so far has been handled (tests wait on it instead of sleeping). */
export async function keysSettled(): Promise<void> {
  for (;;) {
    await new Promise((res) => setImmediate(res));
    if ([...live].every((d) => d.idle())) return;
    await new Promise((res) => setTimeout(res, 2));
  }
}

function attach(emitter: EventEmitter, setRawMode: (on: boolean) => void) {
  let d = dispatchers.get(emitter);
  if (!d) {
    const dispatcher = new KeypressDispatcher();
    emitter.on('input', (chunk: string) => dispatcher.write(chunk));
    d = { dispatcher, users: 0 };
    dispatchers.set(emitter, d);
    live.add(dispatcher);
  }
  if (d.users++ === 0) {
    setRawMode(true);
    live.add(d.dispatcher);
  }
  const held = d;
  return {
    dispatcher: held.dispatcher,
    release() {
      if (--held.users === 0) {
        setRawMode(false);
        live.delete(held.dispatcher);
      }
    },
  };
}

export interface UseKeypressOptions {
  /** Default 'screen'. Dialogs and text fields take every key while they are mounted and active. */
  layer?: KeyLayer;
  /** A component that stays mounted but is not listening (a form field not being edited). */
  isActive?: boolean;
}

/**
 * The one way a component reads keys: every key of a read is delivered on its own, in order, and
 * each is rendered before the next is handled (the handler sees the state the previous key left).
 * The handler gets Ink's (input, key) pair plus the key's name and whether it is a paste.
 */
export function useKeypress(handler: (input: string, key: KeyInfo) => boolean | void, { layer = 'screen', isActive = true }: UseKeypressOptions = {}) {
  const { internal_eventEmitter: emitter, setRawMode } = useStdin();
  const ref = useRef(handler);
  ref.current = handler;
  // A layout effect: a text field opened by one key of a read must be registered before the
  // next key of that read is dispatched (Ink renders each key synchronously, effects come later).
  useLayoutEffect(() => {
    if (!isActive) return;
    const held = attach(emitter, setRawMode);
    const off = held.dispatcher.register(layer, (k: Keypress) => {
      const [input, key] = keyInfo(k);
      return ref.current(input, key);
    });
    return () => {
      off();
      held.release();
    };
  }, [emitter, setRawMode, layer, isActive]);
}
