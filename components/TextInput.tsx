import React from 'react';
import { Text } from 'ink';
import type { KeyLayer } from './use-keypress.js';
import { useTextInput } from './use-text-input.js';

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
  /** Dimmed text after the cursor (the completion on offer). */
  suggestion?: string | undefined;
  /** 'text' (default); a prompt shown as a dialog over a screen's own text field says 'dialog'. */
  layer?: KeyLayer;
}

/** One line of input: editing keys, enter submits, esc cancels, tab completes; a paste is inserted whole. */
export function TextInput({ prefix, initial = '', onSubmit, onCancel, onChange, complete, suggestion, layer }: TextInputProps) {
  const state = useTextInput({ initial, onSubmit, onCancel, onChange, complete, layer });
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
