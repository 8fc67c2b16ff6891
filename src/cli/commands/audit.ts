import type { CommandSpec } from '../command.js';
import { connectionOptions, type ConnectionFlags } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { withConnection } from '../open-connection.js';
import { auditText } from '../../audit/audit-text.js';
import { runAudit } from '../../audit/run-audit.js';
import { DEPLOY_USER_RE } from '../../provision/settings.js';

export const auditCommand: CommandSpec = {
  name: 'audit',
  summary: "read-only hardening audit against the seeds' baseline: pass / warn / fail with evidence and fixes (exit 1 when anything fails)",
  usage: 'audit [--host H] [--json] [--evidence] [--deploy-user NAME]',
  options: {
    ...connectionOptions,
    json: { type: 'boolean', description: 'print the rows as JSON' },
    evidence: { type: 'boolean', description: 'show the evidence of passing rows too' },
    'deploy-user': { type: 'string', valueName: 'NAME', description: "whose ~/.ssh to check (default: the login user, or deploy when that is root)" },
  },
  run: async (ctx) => {
    if (ctx.positionals.length) throw new UserError(`audit: unexpected argument '${ctx.positionals[0]}'`);
    const deployUser = ctx.values['deploy-user'] as string | undefined;
    if (deployUser !== undefined && !DEPLOY_USER_RE.test(deployUser)) throw new UserError(`--deploy-user '${deployUser}' is not a user name`);
    return withConnection(
      ctx,
      async (conn) => {
        const report = await runAudit(conn, { ...(deployUser ? { deployUser } : {}), flags: ctx.values as ConnectionFlags, env: ctx.env });
        if (ctx.values.json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
        else ctx.stdout.write(auditText(report, { evidence: ctx.values.evidence === true }));
        return report.ok ? EXIT.ok : EXIT.degraded;
      },
      // The audit must run on a server without Docker too: no ping, no probe; containers are checked if the socket answers.
      { connect: { pingDocker: false } },
    );
  },
};
