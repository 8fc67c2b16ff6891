import { describe, it, expect } from 'vitest';
import { compileFilter, gridLines, moveSelection } from '../../src/model/grid-view.js';
import { gridSnapshot } from '../tui/grid-fixture.js';

const groups = gridSnapshot().groups;
const services = (text: string, faultedOnly = false) =>
  gridLines(groups, { text, faultedOnly }).flatMap((l) => (l.kind === 'service' ? [l.row.service] : []));

describe('grid filter', () => {
  it('matches service, project, image and container names as a case-insensitive regex', () => {
    expect(services('^RED')).toEqual(['redis']);
    expect(services('portainer/portainer')).toEqual(['portainer']);
    expect(services('shop-api-2')).toEqual(['api']);
    expect(services('')).toHaveLength(6);
  });

  it('inverts with a leading !', () => {
    expect(services('!shop')).toEqual(['portainer']);
  });

  it('falls back to literal text for an invalid regex and says so', () => {
    const f = compileFilter({ text: 'api(', faultedOnly: false });
    expect(f.error).toMatch(/not a regex/);
    expect(services('api(')).toEqual([]);
  });

  it('combines with faulted-only', () => {
    const faulted = services('', true);
    expect(faulted.length).toBeGreaterThan(0);
    expect(faulted).not.toContain('caddy');
    expect(services('db', true)).toEqual(faulted.filter((s) => /db/.test(s)));
  });

  it('drops project headings whose services are all filtered out', () => {
    const lines = gridLines(groups, { text: 'portainer', faultedOnly: false });
    expect(lines.map((l) => l.kind)).toEqual(['project', 'service']);
  });
});

describe('selection', () => {
  const lines = gridLines(groups, { text: '', faultedOnly: false });
  const keys = lines.filter((l) => l.kind === 'service').map((l) => l.key);

  it('skips headings and clamps at the ends', () => {
    expect(moveSelection(lines, undefined, 1)).toBe(keys[0]);
    expect(moveSelection(lines, keys[0], -1)).toBe(keys[0]);
    expect(moveSelection(lines, keys[0], 1)).toBe(keys[1]);
    expect(moveSelection(lines, keys.at(-2), 5)).toBe(keys.at(-1));
    expect(moveSelection(lines, keys[2], 'first')).toBe(keys[0]);
    expect(moveSelection(lines, keys[2], 'last')).toBe(keys.at(-1));
  });

  it('survives the selected service vanishing', () => {
    expect(moveSelection(lines, 'compose:gone/x', 1)).toBe(keys[0]);
    expect(moveSelection([], keys[0], 1)).toBeUndefined();
  });
});
