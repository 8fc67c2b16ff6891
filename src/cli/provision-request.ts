/** What `opsdeck provision`'s flags ask for, and the connection it needs: shared by the text run and the TUI. */
import fs from 'node:fs';
import path from 'node:path';
import type { CommandContext } from './command.js';
import type { ConnectionFlags } from './connection-options.js';
import { UserError } from '../errors.js';
import { PROFILE_NAME_RE } from '../config/profile-schema.js';
import { ConnectError } from '../transport/connect-errors.js';
import { connect, type ServerConnection } from '../transport/connection.js';
import type { Prompter } from '../transport/prompter.js';
import { resolveTarget, type SshTarget } from '../transport/target.js';
import { readProjectFiles } from '../provision/project-files.js';
import type { RunOutcome } from '../provision/run.js';
import { APP_NAME_RE, DEPLOY_USER_RE, parsePublicKey, type ProvisionSettings } from '../provision/settings.js';
import type { SudoMode } from '../provision/sudoers.js';

const SUDO: readonly SudoMode[] = ['nopasswd', 'password', 'none'];

/** Everything the flags say, checked before anything connects. */
export interface ProvisionRequest {
  target: SshTarget;
  settings: ProvisionSettings;
  planOnly: boolean;
  saveProfile: string | undefined;
}

function defaultIdentity(target: SshTarget): string | undefined {
  return target.identityFiles.find((f) => fs.existsSync(f) && fs.existsSync(`${f}.pub`));
}

export async function provisionRequest(ctx: Pick<CommandContext, 'values' | 'env'>): Promise<ProvisionRequest> {
  const v = ctx.values;
  const flags = v as ConnectionFlags;
  if (flags.local) throw new UserError('provision sets up a server over SSH; --local is not for it');
  if (!flags.host) throw new UserError('provision needs --host root@NEW_SERVER (or the deploy user once root login is off)');
  const target = await resolveTarget(flags, ctx.env, { allowPassword: true });
  if (target.kind !== 'ssh') throw new UserError('provision sets up a server over SSH');
  const deployUser = (v['deploy-user'] as string | undefined) ?? 'deploy';
  if (!DEPLOY_USER_RE.test(deployUser) || deployUser === 'root') throw new UserError(`--deploy-user '${deployUser}': use a plain lower-case user name other than root`);
  const sudo = ((v.sudo as string | undefined) ?? 'nopasswd') as SudoMode;
  if (!SUDO.includes(sudo)) throw new UserError(`--sudo must be one of ${SUDO.join(', ')}`);
  const identityFile = v.key ? path.resolve(String(v.key)) : defaultIdentity(target);
  if (!identityFile) throw new UserError('no key for the deploy user', { hint: 'Give one with --key ~/.ssh/id_ed25519 (its .pub is installed on the server).' });
  if (!fs.existsSync(identityFile)) throw new UserError(`--key ${identityFile}: no such file`);
  const pubFile = v['public-key'] ? path.resolve(String(v['public-key'])) : `${identityFile}.pub`;
  let pubText: string;
  try {
    pubText = fs.readFileSync(pubFile, 'utf8');
  } catch {
    throw new UserError(`${pubFile}: cannot read the public key`, { hint: 'Give it with --public-key FILE.' });
  }
  const pub = parsePublicKey(pubText);
  if (!pub) throw new UserError(`${pubFile} is not an OpenSSH public key`);
  let app: ProvisionSettings['app'];
  if (v.app !== undefined) {
    const name = String(v.app);
    if (!APP_NAME_RE.test(name)) throw new UserError(`--app '${name}': lower-case letters, digits, - and _`);
    const dir = v['app-dir'] ? String(v['app-dir']) : `/opt/${name}`;
    if (!dir.startsWith('/') || /[\0\n]/.test(dir)) throw new UserError('--app-dir must be an absolute path');
    const project = v.project ? readProjectFiles(String(v.project), (v.compose as string[] | undefined) ?? []) : { envExample: null, composeText: '' };
    app = { name, dir, envExample: project.envExample, composeText: project.composeText };
  } else if (v.project || v['app-dir'] || v.compose) throw new UserError('--project, --app-dir and --compose go with --app NAME');
  const saveProfile = v['save-profile'] as string | undefined;
  if (saveProfile !== undefined && !PROFILE_NAME_RE.test(saveProfile)) throw new UserError(`--save-profile '${saveProfile}' is not a valid profile name`);
  const dockerSource = v['docker-source'] as string | undefined;
  if (dockerSource !== undefined && dockerSource !== 'distribution' && dockerSource !== 'docker') throw new UserError('--docker-source must be distribution or docker');
  return {
    target,
    planOnly: v.plan === true,
    saveProfile,
    settings: {
      deployUser,
      publicKey: pub.line,
      identityFile,
      sudo,
      http3: v.http3 === true,
      lockRootPassword: v['keep-root-password'] !== true,
      ...(dockerSource ? { dockerSource: dockerSource as 'distribution' | 'docker' } : {}),
      app,
    },
  };
}

/** The CLI prompter, answering password questions from --password-fd when given. */
export function prompterWith(base: Prompter, password: Buffer | undefined): Prompter {
  if (!password) return base;
  return {
    confirmUnknownHostKey: (q) => base.confirmUnknownHostKey(q),
    // A copy each time: the transport zeroes what it is given.
    askSecret: async (q) => (q.kind === 'password' ? Buffer.from(password) : base.askSecret(q)),
  };
}

/** Connect for provisioning: no Docker needed yet, no reconnect loop; a refused root login gets a hint. */
export async function connectForProvision(target: SshTarget, prompter: Prompter, env: NodeJS.ProcessEnv): Promise<ServerConnection> {
  try {
    return await connect(target, prompter, { pingDocker: false, forcePath: 'streamlocal', reconnect: false, env });
  } catch (err) {
    if (err instanceof ConnectError && err.step === 'auth' && target.user === 'root') {
      throw new ConnectError('auth', err.message, { hint: 'Root login may already be off (provision hardened this server): run again as the deploy user, e.g. --host deploy@HOST.', retryable: false });
    }
    throw err;
  }
}

export function summaryLine(o: RunOutcome, planOnly: boolean): string {
  if (planOnly) {
    const todo = o.reports.filter((r) => r.status === 'planned' && r.id !== 'deploy-proof').length;
    if (!o.ok) return `plan stopped: ${o.reason ?? 'unknown reason'} (nothing was changed)`;
    return todo ? `plan only: ${todo} step(s) would change the server; nothing was changed` : 'plan only: nothing to change, every step is already done';
  }
  if (!o.ok) return `stopped: ${o.reason ?? 'unknown reason'}`;
  if (!o.changed) return 'nothing changed: every step was already done';
  return `done: ${o.reports.filter((r) => r.status === 'applied').length} step(s) changed the server, each verified`;
}
