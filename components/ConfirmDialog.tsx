import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress } from './use-keypress.js';
import { findBinding, type KeyBinding } from './key-bindings.js';
import { KeyHints } from './KeyHints.js';
import { TextInput } from './TextInput.js';
import { confirmKeys } from './confirm-keys.js';
import { typedConfirmKeys, type TypedConfirmAction } from './typed-confirm-keys.js';

export interface ConfirmDialogProps {
  title: string;
  detail?: string | undefined;
  /** `typed` is what was typed when the dialog asked for a name. */
  onAnswer: (yes: boolean, typed?: string) => void;
  color?: boolean;
  width?: number;
  /**
   * A production server's name: the operator types it instead of pressing y, and anything else
   * is refused on the spot. The grid's actions and the runbooks' act steps ask the same way.
   */
  typeName?: string | undefined;
  /** The line asking for the name (default: "NAME is a production server. Type its name to go ahead:"). */
  typePrompt?: string | undefined;
  /** The typed form's key table, when a screen describes its keys in its own words (the runbook run does). */
  typedKeys?: readonly KeyBinding<TypedConfirmAction>[];
}

/** Asks before anything destructive, naming the target; `detail` shows e.g. the exact command. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  return props.typeName !== undefined ? <TypedConfirm {...props} typeName={props.typeName} /> : <YesNoConfirm {...props} />;
}

function YesNoConfirm({ title, detail, onAnswer, color = true, width = 80 }: ConfirmDialogProps) {
  useKeypress((input, key) => {
    const b = findBinding(confirmKeys, input, key);
    if (b) onAnswer(b.action === 'yes');
  }, { layer: 'dialog' });
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color ? 'yellow' : undefined} paddingX={1}>
      <Text bold>{title}</Text>
      {detail ? <Text>{detail}</Text> : null}
      <KeyHints bindings={confirmKeys} width={width - 4} />
    </Box>
  );
}

/** A near miss is said, not run: the operator may be on the wrong server's screen. */
function TypedConfirm({ title, detail, onAnswer, color = true, width = 80, typeName, typePrompt, typedKeys = typedConfirmKeys }: ConfirmDialogProps & { typeName: string }) {
  const [mismatch, setMismatch] = useState(false);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color ? 'red' : undefined} paddingX={1}>
      <Text bold>{title}</Text>
      {detail ? <Text>{detail}</Text> : null}
      <Text color={color ? 'red' : undefined} bold>
        {typePrompt ?? `${typeName} is a production server. Type its name to go ahead:`}
      </Text>
      <TextInput
        prefix="> "
        layer="dialog"
        onChange={() => setMismatch(false)}
        onSubmit={(typed) => {
          if (typed === typeName) onAnswer(true, typed);
          else setMismatch(true);
        }}
        onCancel={() => onAnswer(false)}
      />
      {mismatch ? <Text color={color ? 'yellow' : undefined}>{`that is not ${typeName}: type it exactly, or esc to cancel`}</Text> : null}
      <KeyHints bindings={typedKeys} width={width - 4} />
    </Box>
  );
}
