import { describe, expect, it } from 'vitest';
import type { ContainerState, HealthState } from '../../src/docker/container.js';
import type { ServiceState } from '../../src/model/grouping.js';
import { colorEnabled, healthGlyph, levelColor, renderGlyph, stateGlyph } from '../../src/render/health.js';

const HEALTH: HealthState[] = ['healthy', 'unhealthy', 'starting', 'none'];
const STATES: (ContainerState | ServiceState)[] = ['running', 'partial', 'restarting', 'paused', 'stopped', 'exited', 'created', 'dead', 'removing', 'unknown'];

describe('health and state glyphs', () => {
  it('without colour, every health and state has its own mark', () => {
    expect(new Set(HEALTH.map((h) => healthGlyph(h).plain)).size).toBe(HEALTH.length);
    expect(new Set(STATES.map((s) => stateGlyph(s).plain)).size).toBe(STATES.length);
    for (const g of [...HEALTH.map(healthGlyph), ...STATES.map(stateGlyph)]) expect(g.plain).toMatch(/^[\x21-\x7e]$/);
  });

  it('with colour, colour is data for the view to apply', () => {
    expect(renderGlyph(healthGlyph('unhealthy'), { color: true })).toEqual({ text: '● unhealthy', color: 'red' });
    expect(renderGlyph(healthGlyph('healthy'), { color: true, label: false })).toEqual({ text: '●', color: 'green' });
    expect(renderGlyph(healthGlyph('unhealthy'), { color: false })).toEqual({ text: '! unhealthy', color: null });
    expect(renderGlyph(stateGlyph('restarting'), { color: false })).toEqual({ text: '@ restarting', color: null });
  });

  it('usage levels map to warn/critical colours', () => {
    expect([levelColor('ok'), levelColor('warn'), levelColor('critical'), levelColor(null)]).toEqual([null, 'yellow', 'red', null]);
  });

  it('respects NO_COLOR when set to anything but empty', () => {
    expect(colorEnabled({})).toBe(true);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ NO_COLOR: 'false' })).toBe(false);
  });
});
