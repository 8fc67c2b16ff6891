import { describe, expect, it } from 'vitest';
import { tableBody, tableHeader, windowStart, type TableRow } from '../../src/render/table-body.js';

const columns = [
  { key: 'name', header: 'NAME', width: 6 },
  { key: 'n', header: 'N', width: 3, align: 'right' as const },
];
const rows: TableRow[] = [
  { id: 'p', heading: 'shop', cells: {} },
  { id: 'a', cells: { name: 'api', n: '2' } },
  { id: 'b', cells: { name: 'db', n: { text: '1', color: 'red' } } },
];

describe('tableBody', () => {
  it('draws the selection in inverse video and headings in bold, with or without colours', () => {
    for (const color of [true, false]) {
      const body = tableBody(columns, rows, 'a', 10, color);
      expect(body.lines.map((l) => l.id)).toEqual(['p', 'a', 'b']);
      expect(body.lines[0]!.text).toBe(color ? '\u001b[1;36mshop      \u001b[0m' : '\u001b[1mshop      \u001b[0m');
      expect(body.lines[1]!.text).toBe('\u001b[7mapi      2\u001b[0m');
      expect(body.lines[2]!.text).toBe(color ? 'db     \u001b[31m  1\u001b[0m' : 'db       1');
      expect(body.position).toBeNull();
    }
  });

  it('scrolls to keep the selection in view and says where it is', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `r${i}`, cells: { name: `s${i}` } }));
    const body = tableBody(columns, many, 'r20', 10, false);
    expect(body.start).toBe(15);
    expect(body.lines[0]!.id).toBe('r15');
    expect(body.position).toBe('16-25 of 30');
    expect(windowStart(29, 30, 10)).toBe(20);
  });

  it('fits the header like the cells', () => {
    expect(tableHeader(columns)).toBe('NAME     N');
  });
});
