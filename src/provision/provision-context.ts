/**
 * A ProvisionContext over a live connection: root commands through the RootShell, the fresh
 * deploy-login proof on its own connection, and the questions routed to whoever is at the
 * keyboard (the TUI's dialogs or the CLI's descriptors).
 */
import type { ServerConnection } from '../transport/connection.js';
import type { Prompter } from '../transport/prompter.js';
import type { SshTarget } from '../transport/target.js';
import { deployTarget, proveLogin } from './deploy-login.js';
import type { RequiredVar } from './env-file.js';
import { openRootShell } from './root-shell.js';
import { commandRunner, type RunOptions } from './run.js';
import type { ProvisionSettings } from './settings.js';
import type { ProvisionContext } from './step.js';

export interface ProvisionIO {
  /** Asked by the proof connection (a passphrase for the deploy key). */
  prompter: Prompter;
  askValue(v: RequiredVar & { secret: boolean }): Promise<Buffer | null>;
  askPassword(prompt: string): Promise<Buffer | null>;
  log(line: string): void;
  onCommand?: RunOptions['onCommand'];
  env?: NodeJS.ProcessEnv;
}

export async function createProvisionContext(conn: ServerConnection, settings: ProvisionSettings, io: ProvisionIO): Promise<ProvisionContext> {
  if (conn.target.kind !== 'ssh') throw new Error('provision reaches a server over SSH');
  const target: SshTarget = conn.target;
  const shell = await openRootShell((argv, o) => conn.exec(argv, o));
  const ctx: ProvisionContext = {
    shell,
    settings,
    facts: {},
    proveDeployLogin: () =>
      proveLogin(deployTarget(target, settings.deployUser, settings.identityFile), io.prompter, { checkSudo: settings.sudo === 'nopasswd', ...(io.env ? { env: io.env } : {}) }),
    askValue: (v) => io.askValue(v),
    askPassword: (p) => io.askPassword(p),
    log: (l) => io.log(l),
    run: async () => {
      throw new Error('not ready');
    },
  };
  ctx.run = commandRunner(ctx, (argv, o) => conn.exec(argv, o), io.onCommand);
  return ctx;
}
