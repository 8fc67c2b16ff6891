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
  // The whole table is one Ink text node: plain rows are one string, and only rows with a style
  // of their own (headings, the selection) are nested Text, which Ink folds into the same node.
  // Ink lays out, measures and paints every node on every frame, and the live grid redraws
  // every couple of seconds: a node per row was most of a frame's cost.
  const parts: React.ReactNode[] = [];
  let plain = '';
  const flush = () => {
    if (plain) parts.push(plain);
    plain = '';
  };
  for (const row of visible) {
    const selected = row.id === selectedId;
    if (row.heading !== undefined) {
      flush();
      parts.push(
        <Text key={row.id} bold color={color ? 'cyan' : undefined} inverse={selected}>
          {fitCell(row.heading, tableWidth(columns))}
        </Text>,
        '\n',
      );
      continue;
    }
    // One string per row: cells are fitted and painted by tableLine (cached by content).
    const text = tableLine(columns, row.cells, color && !selected);
    if (selected) {
      flush();
      parts.push(
        <Text key={row.id} inverse>
          {text}
        </Text>,
        '\n',
      );
    } else plain += `${text}\n`;
  }
  flush();
  // No newline after the last row.
  const last = parts.at(-1);
  if (last === '\n') parts.pop();
  else if (typeof last === 'string') parts[parts.length - 1] = last.slice(0, -1);
  return (
    <Box flexDirection="column">
      <Text bold>{header}</Text>
      {parts.length > 0 ? <Text>{parts}</Text> : null}
      {rows.length > height ? <Text dimColor>{`${start + 1}-${Math.min(rows.length, start + height)} of ${rows.length}`}</Text> : null}
    </Box>
  );
}

/** First visible row so that `selected` stays on screen, centred when possible. */
export function windowStart(selected: number, total: number, height: number): number {
  if (total <= height) return 0;
  const half = Math.floor(height / 2);
  return Math.min(Math.max(0, selected - half), total - height);
}
