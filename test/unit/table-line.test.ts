import { describe, expect, it } from 'vitest';
import { newLineMemo, tableLine, type LineCell } from '../../src/render/table-line.js';

const columns = [
  { key: 'name', width: 6 },
  { key: 'cpu', width: 7, align: 'right' as const },
];

describe('tableLine with a row memo', () => {
  it('draws what a fresh line would, through every kind of change', () => {
    const memo = newLineMemo();
    const steps: { cols: typeof columns; cells: Record<string, LineCell | string>; styled: boolean }[] = [
      { cols: columns, cells: { name: 'api', cpu: '0.7%' }, styled: true },
      { cols: columns, cells: { name: 'api', cpu: '0.9%' }, styled: true },
      { cols: columns, cells: { name: 'api', cpu: { text: '0.9%', color: 'red' } }, styled: true },
      { cols: columns, cells: { name: 'api', cpu: { text: '0.9%', color: 'red', dim: true } }, styled: true },
      { cols: columns, cells: { name: 'api', cpu: { text: '0.9%', color: 'red', dim: true } }, styled: false },
      { cols: [{ key: 'name', width: 4 }, columns[1]!], cells: { name: 'api-gateway', cpu: '0.9%' }, styled: false },
      { cols: [columns[1]!, columns[0]!], cells: { name: 'api', cpu: '0.9%' }, styled: false },
      { cols: columns, cells: { name: { text: 'api', bold: true } }, styled: true },
    ];
    for (const s of steps) expect(tableLine(s.cols, s.cells, s.styled, memo)).toBe(tableLine(s.cols, s.cells, s.styled));
  });

  it('hands back the same string when no cell changed, and a new one when one did', () => {
    const memo = newLineMemo();
    const first = tableLine(columns, { name: 'api', cpu: '0.7%' }, true, memo);
    expect(tableLine(columns, { name: 'api', cpu: '0.7%' }, true, memo)).toBe(first);
    const next = tableLine(columns, { name: 'api', cpu: '1.0%' }, true, memo);
    expect(next).toBe('api       1.0%');
    expect(first).toBe('api       0.7%');
  });
});
