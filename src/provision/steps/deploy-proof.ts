import type { Step } from '../step.js';

/**
 * Step 3: a second, brand-new connection as the deploy user with the operator's key. It changes
 * nothing; it is the gate before every step that could lock anyone out: if it fails, the run
 * stops there and nothing after it is touched.
 */
export const deployProofStep: Step = {
  id: 'deploy-proof',
  title: 'Prove the deploy login',
  lockout: false,
  async check(ctx) {
    return {
      state: 'done',
      found: [`a fresh SSH connection as ${ctx.settings.deployUser} with ${ctx.settings.identityFile} must work before anything that could lock you out`],
      commands: [],
      notes: [],
    };
  },
  async verify(ctx) {
    const r = await ctx.proveDeployLogin();
    return r.ok ? { ok: true, lines: [r.detail] } : { ok: false, lines: [r.reason] };
  },
};
