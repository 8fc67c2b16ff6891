import React from 'react';
import { Box, Text } from 'ink';
import { fitCell } from '../src/render/columns.js';
import { paint } from '../src/render/sgr.js';

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
  const gap = ' ';
  const totalWidth = columns.reduce((n, c) => n + c.width, 0) + gap.length * Math.max(0, columns.length - 1);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {columns.map((c) => fitCell(c.header, c.width, c.align)).join(gap)}
      </Text>
      {visible.map((row) => {
        const selected = row.id === selectedId;
        if (row.heading !== undefined) {
          return (
            <Text key={row.id} bold color={color ? 'cyan' : undefined} inverse={selected} wrap="truncate-end">
              {fitCell(row.heading, totalWidth)}
            </Text>
          );
        }
        // One string per row: Ink measures every node on every frame, so cells are not nodes.
        const line = columns
          .map((c, k) => {
            const raw = row.cells[c.key] ?? '';
            const cell: TableCell = typeof raw === 'string' ? { text: raw } : raw;
            return (k > 0 ? gap : '') + paint(fitCell(cell.text, c.width, c.align), cell, color && !selected);
          })
          .join('');
        return (
          <Text key={row.id} inverse={selected} wrap="truncate-end">
            {line}
          </Text>
        );
      })}
      {rows.length > height ? (
        <Text dimColor>{`${start + 1}-${Math.min(rows.length, start + height)} of ${rows.length}`}</Text>
      ) : null}
    </Box>
  );
}

/** First visible row so that `selected` stays on screen, centred when possible. */
export function windowStart(selected: number, total: number, height: number): number {
  if (total <= height) return 0;
  const half = Math.floor(height / 2);
  return Math.min(Math.max(0, selected - half), total - height);
}
