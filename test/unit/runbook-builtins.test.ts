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

describe('the README’s example runbook', () => {
  it('parses, with the steps and parameters the README describes', async () => {
    const fs = await import('node:fs');
    const { parseRunbook } = await import('../../src/runbook/runbook-parse.js');
    const readme = fs.readFileSync('README.md', 'utf8');
    const text = /````markdown\n([\s\S]*?)\n````\n/.exec(readme)?.[1];
    expect(text).toBeDefined();
    const r = parseRunbook(`${text!}\n`, 'README.md');
    expect(r.steps.map((s) => [s.id, s.kind])).toEqual([
      ['exit', 'check'],
      ['errors', 'check'],
      ['restart', 'act'],
      ['tell', 'manual'],
      ['healthy', 'wait'],
    ]);
    expect(r.params.map((p) => [p.name, p.secret, p.required])).toEqual([
      ['service', false, true],
      ['then', false, false],
      ['token', true, false],
    ]);
    expect(r.offerOn).toEqual([{ fault: 'restart-loop' }, { fault: 'unhealthy', service: 'shop/api' }]);
  });
});
