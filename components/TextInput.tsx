import React, { useReducer } from 'react';
import { Text, useInput } from 'ink';
import { textInputReducer } from './text-input-state.js';

export interface TextInputProps {
  /** Shown before the value: "/", ":", "save to: ". */
  prefix: string;
  initial?: string;
  onSubmit: (value: string) => void;
  onCancel: () => void;
  /** Each change, e.g. to filter as the operator types. */
  onChange?: (value: string) => void;
  /** Tab: return the completed value, or undefined for none. */
  complete?: (value: string) => string | undefined;
  isActive?: boolean;
  /** Dimmed text after the cursor (the completion on offer). */
  suggestion?: string | undefined;
}

/** One line of input: editing keys, enter submits, esc cancels, tab completes. */
export function TextInput({ prefix, initial = '', onSubmit, onCancel, onChange, complete, isActive = true, suggestion }: TextInputProps) {
  const [state, dispatch] = useReducer(textInputReducer, { value: initial, cursor: [...initial].length });
  const apply = (e: Parameters<typeof textInputReducer>[1]) => {
    const next = textInputReducer(state, e);
    dispatch(e);
    if (next.value !== state.value) onChange?.(next.value);
  };
  useInput(
    (input, key) => {
      if (key.return) return onSubmit(state.value);
      if (key.escape) return onCancel();
      if (key.tab) {
        const done = complete?.(state.value);
        if (done !== undefined) apply({ type: 'set', value: done });
        return;
      }
      if (key.backspace) return apply({ type: 'backspace' });
      if (key.delete) return apply({ type: 'delete' });
      if (key.leftArrow) return apply({ type: 'left' });
      if (key.rightArrow) return apply({ type: 'right' });
      if (key.ctrl && input === 'a') return apply({ type: 'home' });
      if (key.ctrl && input === 'e') return apply({ type: 'end' });
      if (key.ctrl && input === 'u') return apply({ type: 'clear' });
      if (!key.ctrl && !key.meta && input) apply({ type: 'insert', text: input });
    },
    { isActive },
  );
  const chars = [...state.value];
  const before = chars.slice(0, state.cursor).join('');
  const at = chars[state.cursor] ?? ' ';
  const after = chars.slice(state.cursor + 1).join('');
  return (
    <Text wrap="truncate-end">
      {prefix}
      {before}
      <Text inverse>{at}</Text>
      {after}
      {suggestion ? <Text dimColor>{suggestion}</Text> : null}
    </Text>
  );
}
