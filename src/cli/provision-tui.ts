/**
 * `opsdeck provision` on a terminal: the wizard's store with its real dependencies (the
 * connection, the unlock check and the backup schedule from their own features), drawn by
 * screens/Provision.tsx until the operator leaves.
 */
import type { CommandContext } from './command.js';
import { connectForProvision, prompterWith, summaryLine, type ProvisionRequest } from './provision-request.js';
import type { ConnectionFlags } from './connection-options.js';
import { EXIT } from '../errors.js';
import { colorEnabled } from '../render/health.js';
import type { ServerConnection } from '../transport/connection.js';
import { connect } from '../transport/connection.js';
import { DEFAULT_CRON } from '../backup/schedule-lines.js';
import { createBackupContext } from '../backup/backup-context.js';
import { installSchedule } from '../backup/schedule.js';
import { runUnlockCheck } from '../unlock/check/run-check.js';
import { resolveUnlockEndpoint } from '../unlock/unlock-settings.js';
import { deployTarget } from '../provision/deploy-login.js';
import { ProvisionStore, type ProvisionDeps } from '../provision/provision-store.js';

export function provisionDeps(ctx: Pick<CommandContext, 'values' | 'env'>, req: ProvisionRequest, password: Buffer | undefined): ProvisionDeps {
  const backup = req.target.profile?.backup;
  return {
    label: req.target.label,
    settings: req.settings,
    planOnly: req.planOnly,
    connect: (prompter) => connectForProvision(req.target, prompterWith(prompter, password), ctx.env),
    unlockCheck: async (conn: ServerConnection) => {
      if (conn.target.kind !== 'ssh') return ['not a server reached over SSH'];
      const endpoint = await resolveUnlockEndpoint(conn.target, ctx.values as ConnectionFlags, ctx.env);
      const { report } = await runUnlockCheck(conn, conn.target.label, endpoint);
      return report.items.map((i) => `${i.status.padEnd(4)} ${i.title}: ${i.detail}`);
    },
    ...(backup
      ? {
          // The schedule belongs in the deploy user's crontab: a connection as deploy, with Docker, for it.
          backupSchedule: async (conn: ServerConnection) => {
            if (conn.target.kind !== 'ssh') return ['not a server reached over SSH'];
            const asDeploy = await connect(deployTarget(conn.target, req.settings.deployUser, req.settings.identityFile), { confirmUnknownHostKey: async () => false, askSecret: async () => null }, { reconnect: false, env: ctx.env });
            try {
              const bctx = await createBackupContext(asDeploy, backup, req.target.label);
              const r = await installSchedule(bctx, DEFAULT_CRON);
              return [`crontab: ${r.line}`, `script: ${r.script}`, `log: ${r.log}`];
            } finally {
              await asDeploy.close().catch(() => undefined);
            }
          },
        }
      : {}),
    summary: (o) => summaryLine(o, req.planOnly),
  };
}

export async function runProvisionTui(ctx: CommandContext, req: ProvisionRequest, password: Buffer | undefined): Promise<number> {
  const [{ render }, React, { Provision }] = await Promise.all([import('ink'), import('react'), import('../../screens/Provision.js')]);
  const store = new ProvisionStore(provisionDeps(ctx, req, password));
  const stdout = ctx.stdout as NodeJS.WriteStream;
  const instance = render(
    React.createElement(Provision, {
      wizard: store,
      prompts: store.prompts,
      actions: store.actions,
      width: stdout.columns ?? 100,
      color: colorEnabled(ctx.env),
      onQuit: () => instance.unmount(),
    }),
    { stdout, stdin: ctx.stdin as NodeJS.ReadStream, exitOnCtrlC: true },
  );
  await instance.waitUntilExit();
  await store.close();
  const o = store.getSnapshot().outcome;
  return o?.ok ? EXIT.ok : EXIT.degraded;
}
