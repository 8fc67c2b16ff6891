import React from 'react';
import { Box, Text } from 'ink';
import { fitCell } from '../src/render/columns.js';
import { tableLine, tableWidth } from '../src/render/table-line.js';

/**
 * A small table of our own: ink-table 3.1 is CommonJS and cannot be required from ink 6's
 * ESM graph (top-level await). Cells are plain, already-sanitised strings; widths are decided
 * by the caller (column fitting is a pure function in src/render), so this only draws.
 */
export interface TableColumn {
  key: string;
  header: string;
  width: number;
  align?: 'left' | 'right';
}

export interface TableCell {
  text: string;
  color?: string;
  dim?: boolean;
  bold?: boolean;
}

export interface TableRow {
  id: string;
  cells: Record<string, TableCell | string>;
  /** Section rows (a Compose project heading) span the whole width. */
  heading?: string;
}

export interface TableProps {
  columns: readonly TableColumn[];
  rows: readonly TableRow[];
  selectedId?: string | undefined;
  /** Visible body rows; the table scrolls to keep the selection in view. */
  height: number;
  color?: boolean;
}

export function Table({ columns, rows, selectedId, height, color = true }: TableProps) {
  const selectedIndex = Math.max(0, rows.findIndex((r) => r.id === selectedId));
  const start = windowStart(selectedIndex, rows.length, height);
  const visible = rows.slice(start, start + height);
  const header = columns.map((c) => fitCell(c.header, c.width, c.align)).join(' ');
  return (
    <Box flexDirection="column">
      <Line text={header} bold />
      {visible.map((row) => {
        const selected = row.id === selectedId;
        if (row.heading !== undefined) {
          return <Line key={row.id} text={fitCell(row.heading, tableWidth(columns))} bold color={color ? 'cyan' : undefined} inverse={selected} />;
        }
        // One string per row: Ink measures every node on every frame, so cells are not nodes.
        return <Line key={row.id} text={tableLine(columns, row.cells, color && !selected)} inverse={selected} />;
      })}
      {rows.length > height ? <Text dimColor>{`${start + 1}-${Math.min(rows.length, start + height)} of ${rows.length}`}</Text> : null}
    </Box>
  );
}

interface LineProps {
  text: string;
  bold?: boolean;
  color?: string | undefined;
  inverse?: boolean;
}

/** Memoised: on a live redraw only the rows whose text changed are rendered again. */
const Line = React.memo(function Line({ text, bold, color, inverse }: LineProps) {
  return (
    <Text bold={bold} color={color} inverse={inverse} wrap="truncate-end">
      {text}
    </Text>
  );
});

/** First visible row so that `selected` stays on screen, centred when possible. */
export function windowStart(selected: number, total: number, height: number): number {
  if (total <= height) return 0;
  const half = Math.floor(height / 2);
  return Math.min(Math.max(0, selected - half), total - height);
}
