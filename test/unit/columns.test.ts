import { describe, expect, it } from 'vitest';
import { displayWidth, fitCell, fitColumns, truncate, type ColumnSpec } from '../../src/render/columns.js';

// Modelled on the service grid: what an on-call engineer needs first has the lowest priority number.
const GRID: ColumnSpec[] = [
  { id: 'service', min: 12, priority: 0, flex: 2, max: 32 },
  { id: 'replicas', min: 5, priority: 1 },
  { id: 'state', min: 10, priority: 1 },
  { id: 'health', min: 11, priority: 1 },
  { id: 'restarts', min: 8, priority: 2 },
  { id: 'cpu', min: 6, priority: 2 },
  { id: 'mem', min: 10, priority: 2 },
  { id: 'uptime', min: 7, priority: 3 },
  { id: 'membar', min: 8, priority: 4, flex: 1, max: 16 },
  { id: 'image', min: 12, priority: 4, flex: 1, max: 40 },
  { id: 'cpulimit', min: 9, priority: 5 },
  { id: 'ports', min: 12, priority: 5, flex: 1, max: 30 },
];

const used = (cols: { width: number }[], gap = 1) => cols.reduce((n, c) => n + c.width, 0) + gap * Math.max(0, cols.length - 1);

describe('fitColumns', () => {
  it('at 80 columns keeps what matters and drops the rest', () => {
    const cols = fitColumns(GRID, 80);
    expect(cols.map((c) => c.id)).toEqual(['service', 'replicas', 'state', 'health', 'restarts', 'cpu', 'mem', 'uptime']);
    expect(used(cols)).toBe(80);
    // The spare cells went to the only flexible column left.
    expect(cols[0]).toEqual({ id: 'service', width: 16 });
  });

  it('at 200 columns shows everything, grows flexible columns up to their max, in the original order', () => {
    const cols = fitColumns(GRID, 200);
    expect(cols.map((c) => c.id)).toEqual(GRID.map((c) => c.id));
    const w = Object.fromEntries(cols.map((c) => [c.id, c.width]));
    expect(w).toMatchObject({ service: 32, membar: 16, replicas: 5, cpulimit: 9 });
    expect(w.image! + w.ports!).toBeGreaterThan(12 + 12);
    expect(used(cols)).toBeLessThanOrEqual(200);
    for (const c of cols) expect(c.width).toBeGreaterThanOrEqual(GRID.find((g) => g.id === c.id)!.min);
  });

  it('leaves cells unused once every flexible column is at its max', () => {
    const cols = fitColumns([{ id: 'a', min: 5, priority: 0, flex: 1, max: 10 }, { id: 'b', min: 5, priority: 1 }], 100);
    expect(cols).toEqual([{ id: 'a', width: 10 }, { id: 'b', width: 5 }]);
  });

  it('may show a narrow column of lower priority where a wide one could not fit', () => {
    const cols = fitColumns([{ id: 'name', min: 10, priority: 0 }, { id: 'wide', min: 30, priority: 1 }, { id: 'narrow', min: 4, priority: 2 }], 20);
    expect(cols.map((c) => c.id)).toEqual(['name', 'narrow']);
  });

  it('shares spare cells by weight and hands out the remainder one by one', () => {
    const cols = fitColumns([{ id: 'a', min: 1, priority: 0, flex: 1 }, { id: 'b', min: 1, priority: 1, flex: 1 }, { id: 'c', min: 1, priority: 2, flex: 1 }], 12, { gap: 0 });
    expect(cols.map((c) => c.width)).toEqual([4, 4, 4]);
    const odd = fitColumns([{ id: 'a', min: 1, priority: 0, flex: 1 }, { id: 'b', min: 1, priority: 1, flex: 1 }], 6, { gap: 0 });
    expect(odd.map((c) => c.width)).toEqual([3, 3]);
    const uneven = fitColumns([{ id: 'a', min: 0, priority: 0, flex: 3 }, { id: 'b', min: 0, priority: 1, flex: 1 }], 10, { gap: 0 });
    expect(uneven.map((c) => c.width).reduce((x, y) => x + y)).toBe(10);
    expect(uneven[0]!.width).toBeGreaterThan(uneven[1]!.width);
  });

  it('narrower than the first column: that column alone, cut down', () => {
    expect(fitColumns(GRID, 8)).toEqual([{ id: 'service', width: 8 }]);
    expect(fitColumns(GRID, 0)).toEqual([{ id: 'service', width: 0 }]);
    expect(fitColumns([], 80)).toEqual([]);
  });
});

describe('cells by display width', () => {
  it('measures East Asian wide characters and emoji as two cells', () => {
    expect(displayWidth('api')).toBe(3);
    expect(displayWidth('数据库')).toBe(6);
    expect(displayWidth('🚀')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  it('truncates with an ellipsis without splitting a wide character or a grapheme', () => {
    expect(truncate('shop-api-1', 20)).toBe('shop-api-1');
    expect(truncate('shop-worker-1', 8)).toBe('shop-wo…');
    expect(truncate('数据库服务', 6)).toBe('数据…');
    expect(displayWidth(truncate('数据库服务', 6))).toBe(5);
    expect(truncate('🚀🚀🚀', 4)).toBe('🚀…');
    expect(truncate('cafe\u0301-bar', 5)).toBe('cafe\u0301…');
    expect(truncate('abc', 0)).toBe('');
    expect(truncate('abc', 1)).toBe('…');
  });

  it('fits cells to exactly the width, left or right', () => {
    expect(fitCell('db', 5)).toBe('db   ');
    expect(fitCell('43%', 5, 'right')).toBe('  43%');
    expect(fitCell('数据库服务', 6)).toBe('数据… ');
    for (const s of ['数据库服务', '🚀 api', 'plain', '']) for (const w of [1, 3, 6, 12]) expect(displayWidth(fitCell(s, w))).toBe(w);
  });
});
