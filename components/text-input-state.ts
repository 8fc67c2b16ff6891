/** The state of a one-line text input, as a pure reducer (the @inkjs/ui split: view, reducer, hook). */
export interface TextInputState {
  value: string;
  /** In code points from the start. */
  cursor: number;
}

export type TextInputEvent =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'delete' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'clear' }
  | { type: 'set'; value: string };

export function textInputReducer(s: TextInputState, e: TextInputEvent): TextInputState {
  const chars = [...s.value];
  switch (e.type) {
    case 'insert': {
      // Pasted text arrives in one chunk: keep it on one line.
      const ins = [...e.text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '')];
      chars.splice(s.cursor, 0, ...ins);
      return { value: chars.join(''), cursor: s.cursor + ins.length };
    }
    case 'backspace':
      if (s.cursor === 0) return s;
      chars.splice(s.cursor - 1, 1);
      return { value: chars.join(''), cursor: s.cursor - 1 };
    case 'delete':
      if (s.cursor >= chars.length) return s;
      chars.splice(s.cursor, 1);
      return { value: chars.join(''), cursor: s.cursor };
    case 'left':
      return { ...s, cursor: Math.max(0, s.cursor - 1) };
    case 'right':
      return { ...s, cursor: Math.min(chars.length, s.cursor + 1) };
    case 'home':
      return { ...s, cursor: 0 };
    case 'end':
      return { ...s, cursor: chars.length };
    case 'clear':
      return { value: '', cursor: 0 };
    case 'set':
      return { value: e.value, cursor: [...e.value].length };
  }
}
