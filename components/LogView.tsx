import React, { memo } from 'react';
import { Box, Text } from 'ink';
import type { LogLine } from '../src/logs/log-line.js';
import { rowText } from './log-row-text.js';
import type { LayoutItem, LogViewState } from './log-view-state.js';

/**
 * The lines of a log view: what layoutLogView() picked, one styled row each (log-row-text.ts):
 * a one-column gutter (a red ! for stderr, * for opsdeck's own notices), the container tag in its
 * colour when several are merged, Docker's time when asked, and the body: raw (with the
 * container's validated colours unless they are off), or JSON in its structured form, with
 * search matches highlighted. Everything it draws was sanitised where it entered the model.
 */
export interface LogViewProps {
  items: readonly LayoutItem[];
  /** Selected line (paused), or null. */
  cursorSeq: number | null;
  state: LogViewState;
  /** Tags by source index; null for a single container (no tag column). */
  tags: readonly string[] | null;
  tagColours: readonly string[];
  tagWidth: number;
  width: number;
  color: boolean;
  search: RegExp | null;
}

/** Columns before the body: gutter, tag and time. */
export function prefixWidth(tags: readonly string[] | null, tagWidth: number, timestamps: boolean): number {
  return 1 + (tags ? tagWidth + 1 : 0) + (timestamps ? 13 : 0);
}

export function LogView({ items, cursorSeq, state, tags, tagColours, tagWidth, width, color, search }: LogViewProps) {
  return (
    <Box flexDirection="column">
      {items.map(({ line }) => (
        <LogRow
          key={line.seq}
          line={line}
          selected={line.seq === cursorSeq}
          wrap={state.wrap}
          timestamps={state.timestamps}
          structured={state.structured}
          colours={state.colours}
          tag={tags ? (line.source >= 0 ? (tags[line.source] ?? '') : '').padEnd(tagWidth) : null}
          tagColour={tagColours[line.source]}
          color={color}
          search={search}
          width={width}
        />
      ))}
    </Box>
  );
}

interface RowProps {
  line: LogLine;
  selected: boolean;
  wrap: boolean;
  timestamps: boolean;
  structured: boolean;
  colours: boolean;
  tag: string | null;
  tagColour: string | undefined;
  color: boolean;
  search: RegExp | null;
  width: number;
}

// Rows keep their props while new lines arrive, so only new rows render.
const LogRow = memo(function LogRow(p: RowProps) {
  return <Text wrap={p.wrap ? 'wrap' : 'truncate-end'}>{rowText(p.line, p)}</Text>;
});
