import { useReducer, useRef } from 'react';
import { useKeypress, type KeyLayer } from './use-keypress.js';
import { textInputReducer, type TextInputEvent, type TextInputState } from './text-input-state.js';

export interface UseTextInputOptions {
  initial: string;
  onSubmit: (value: string) => void;
  onCancel: () => void;
  onChange?: ((value: string) => void) | undefined;
  complete?: ((value: string) => string | undefined) | undefined;
  isActive?: boolean | undefined;
  layer?: KeyLayer | undefined;
}

/**
 * The one hook that reads keys for a text field (the @inkjs/ui split: TextInput draws,
 * text-input-state.ts decides, this reads keys). The state is also kept in a ref so that
 * several keys of one read each see the value the previous one left.
 */
export function useTextInput({ initial, onSubmit, onCancel, onChange, complete, isActive = true, layer = 'text' }: UseTextInputOptions): TextInputState {
  const [state, dispatch] = useReducer(textInputReducer, { value: initial, cursor: [...initial].length });
  const current = useRef(state);
  const apply = (e: TextInputEvent) => {
    const before = current.current;
    const next = textInputReducer(before, e);
    current.current = next;
    dispatch(e);
    if (next.value !== before.value) onChange?.(next.value);
  };
  useKeypress(
    (input, key) => {
      const value = current.current.value;
      if (key.paste) return apply({ type: 'insert', text: input });
      if (key.return) return onSubmit(value);
      if (key.escape) return onCancel();
      if (key.tab) {
        const done = complete?.(value);
        if (done !== undefined) apply({ type: 'set', value: done });
        return;
      }
      if (key.backspace) return apply({ type: 'backspace' });
      if (key.delete) return apply({ type: 'delete' });
      if (key.leftArrow) return apply({ type: 'left' });
      if (key.rightArrow) return apply({ type: 'right' });
      if (key.home || (key.ctrl && input === 'a')) return apply({ type: 'home' });
      if (key.end || (key.ctrl && input === 'e')) return apply({ type: 'end' });
      if (key.ctrl && input === 'u') return apply({ type: 'clear' });
      if (!key.ctrl && !key.meta && input) apply({ type: 'insert', text: input });
    },
    { isActive, layer },
  );
  return state;
}
