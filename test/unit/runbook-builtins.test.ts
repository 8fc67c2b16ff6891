import { describe, expect, it } from 'vitest';
import { builtinRunbooks, runbooksFor } from '../../src/runbook/catalogue.js';

describe('the shipped runbooks', () => {
  it('all parse, under their own ids, and the issue’s six are there', () => {
    const ids = builtinRunbooks().map((r) => [r.id, r.source]);
    expect(ids).toEqual(expect.arrayContaining([
      ['service-unhealthy', 'builtin:service-unhealthy'],
      ['restart-loop', 'builtin:restart-loop'],
      ['disk-full', 'builtin:disk-full'],
      ['restore-latest-backup', 'builtin:restore-latest-backup'],
      ['deploy-with-rollback', 'builtin:deploy-with-rollback'],
      ['reboot-and-unlock', 'builtin:reboot-and-unlock'],
    ]));
  });

  it('offers restart-loop for a looping service and service-unhealthy for an unhealthy one', () => {
    const all = builtinRunbooks();
    expect(runbooksFor(all, 'restart-loop', { project: 'shop', service: 'mailer' }).map((r) => r.id)).toEqual(['restart-loop']);
    expect(runbooksFor(all, 'unhealthy', { project: 'shop', service: 'search' }).map((r) => r.id)).toEqual(['service-unhealthy']);
    expect(runbooksFor(all, 'memory-critical', { project: 'shop', service: 'api' })).toEqual([]);
  });

  it('never prunes volumes in disk-full', () => {
    const disk = builtinRunbooks().find((r) => r.id === 'disk-full')!;
    const acts = disk.steps.filter((s) => s.kind === 'act').map((s) => (s.body.type === 'shell' ? s.body.script : ''));
    expect(acts.length).toBe(2);
    for (const a of acts) expect(a).not.toMatch(/volume|system prune/);
  });
});
