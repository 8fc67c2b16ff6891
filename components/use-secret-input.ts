import { useEffect, useRef, useState } from 'react';
import { useKeypress, type KeyLayer } from './use-keypress.js';
import { SecretBuffer } from './secret-buffer.js';

export interface UseSecretInputOptions {
  onSubmit: (secret: Buffer) => void;
  onCancel: () => void;
  isActive?: boolean | undefined;
  layer?: KeyLayer | undefined;
}

/**
 * The one hook that reads keys for a masked field. Its state is a SecretBuffer rather than a
 * reducer's value: strings cannot be wiped, so the bytes live in one Buffer zeroed on submit,
 * cancel and unmount; only the length reaches React, for the mask.
 */
export function useSecretInput({ onSubmit, onCancel, isActive = true, layer = 'text' }: UseSecretInputOptions): number {
  const buf = useRef(new SecretBuffer());
  const [length, setLength] = useState(0);
  useEffect(() => () => buf.current.clear(), []);
  useKeypress(
    (input, key) => {
      if (key.return) {
        onSubmit(buf.current.take());
        setLength(0);
        return;
      }
      if (key.escape || (key.ctrl && input === 'c')) {
        buf.current.clear();
        setLength(0);
        onCancel();
        return;
      }
      // A pasted passphrase goes in whole; a line break copied with it is not part of it.
      if (key.paste) buf.current.push(input.replace(/[\u0000-\u001f\u007f]/g, ''));
      else if (key.backspace || key.delete) buf.current.backspace();
      else if (!key.ctrl && !key.meta && input) buf.current.push(input);
      setLength(buf.current.length);
    },
    { isActive, layer },
  );
  return length;
}
