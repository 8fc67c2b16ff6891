import { describe, expect, it } from 'vitest';
import { runProvision, type Answer, type StepReport } from '../../src/provision/run.js';
import type { ProvisionContext, Step, StepCheck, StepId } from '../../src/provision/step.js';

// The engine's own rules, with steps as plain data and a context that records what ran.
function harness(proof: boolean) {
  const ran: string[] = [];
  const ctx = {
    shell: { loginUser: 'root', via: 'root', argvFor: (a: readonly string[]) => [...a], run: async () => ({ code: 0, stdout: '', stderr: '' }) },
    settings: {},
    facts: {},
    proveDeployLogin: async () => (proof ? { ok: true as const, detail: 'deploy logs in' } : { ok: false as const, reason: 'key refused' }),
    askValue: async () => null,
    askPassword: async () => null,
    log: () => undefined,
    run: async (c: { argv: string[] }) => {
      ran.push(c.argv.join(' '));
      return { code: 0, stdout: '', stderr: '' };
    },
  } as unknown as ProvisionContext;
  return { ctx, ran };
}

const step = (id: StepId, lockout: boolean, state: StepCheck['state'] = 'todo'): Step => ({
  id,
  title: id,
  lockout,
  check: async () => ({ state, found: [], commands: state === 'todo' ? [{ argv: ['touch', id] }] : [], notes: [] }),
  verify: async (c) => (id === 'deploy-proof' ? ((await c.proveDeployLogin()).ok ? { ok: true, lines: [] } : { ok: false, lines: ['key refused'] }) : { ok: true, lines: [] }),
});

const proofStep = step('deploy-proof', false, 'done');
const run = (ctx: ProvisionContext, steps: Step[], planOnly = false, answer: Answer = 'yes') => {
  const asked: StepId[] = [];
  const p = runProvision(ctx, steps, { planOnly, confirm: async (r: StepReport) => (asked.push(r.id), answer), onReport: () => undefined });
  return p.then((o) => ({ o, asked }));
};

describe('the provision engine', () => {
  it('stops at a failed deploy proof: no lockout step is checked into action, nothing after it runs', async () => {
    const { ctx, ran } = harness(false);
    const { o } = await run(ctx, [step('deploy-user', false), proofStep, step('ssh', true), step('docker', false)]);
    expect(o.ok).toBe(false);
    expect(o.stoppedAt).toBe('deploy-proof');
    expect(ran).toEqual(['touch deploy-user']);
    expect(o.reports.map((r) => r.status)).toEqual(['applied', 'failed', 'not-reached', 'not-reached']);
  });

  it('refuses a lockout step when no proof ran in this run', async () => {
    const { ctx, ran } = harness(true);
    const { o } = await run(ctx, [step('ssh', true)]);
    expect(o).toMatchObject({ ok: false, stoppedAt: 'ssh' });
    expect(ran).toEqual([]);
  });

  it('applies after the proof, asks only for steps with something to do, and --plan runs nothing', async () => {
    const { ctx, ran } = harness(true);
    const steps = [step('os', false, 'done'), proofStep, step('ssh', true), step('app', false, 'skip')];
    const { o, asked } = await run(ctx, steps);
    expect(o).toMatchObject({ ok: true, changed: true });
    expect(asked).toEqual(['ssh']);
    expect(ran).toEqual(['touch ssh']);
    const plan = harness(true);
    const p = await run(plan.ctx, steps, true);
    expect(plan.ran).toEqual([]);
    expect(p.o.changed).toBe(false);
    expect(p.o.reports.map((r) => r.status)).toEqual(['already-done', 'planned', 'planned', 'skipped']);
  });

  it('a declined step is left alone and the run goes on; stop ends it', async () => {
    const { ctx, ran } = harness(true);
    const { o } = await run(ctx, [proofStep, step('firewall', true), step('docker', false)], false, 'skip');
    expect(o.ok).toBe(true);
    expect(o.changed).toBe(false);
    expect(ran).toEqual([]);
    const s = await run(harness(true).ctx, [proofStep, step('firewall', true)], false, 'stop');
    expect(s.o).toMatchObject({ ok: false, stoppedAt: 'firewall' });
  });
});
