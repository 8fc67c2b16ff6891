import React from 'react';
import { Box, Text } from 'ink';
import { tableBody, tableHeader, type TableColumn, type TableRow } from '../src/render/table-body.js';

export type { TableColumn, TableRow } from '../src/render/table-body.js';

/**
 * A small table of our own: ink-table 3.1 is CommonJS and cannot be required from ink 6's
 * ESM graph (top-level await). Cells are plain, already-sanitised strings; widths are decided
 * by the caller (column fitting is a pure function in src/render), so this only draws.
 */
export interface TableProps {
  columns: readonly TableColumn[];
  rows: readonly TableRow[];
  selectedId?: string | undefined;
  /** Visible body rows; the table scrolls to keep the selection in view. */
  height: number;
  color?: boolean;
}

export function Table({ columns, rows, selectedId, height, color = true }: TableProps) {
  // The whole body is one Ink text node with the styling in the string (tableBody): Ink lays
  // out, measures and paints every node on every frame, and a node per row was most of a
  // frame's cost in the live grid.
  const body = tableBody(columns, rows, selectedId, height, color);
  return (
    <Box flexDirection="column">
      <Text bold>{tableHeader(columns)}</Text>
      {body.lines.length > 0 ? <Text>{body.lines.map((l) => l.text).join('\n')}</Text> : null}
      {body.position ? <Text dimColor>{body.position}</Text> : null}
    </Box>
  );
}
