import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { CommandContext, CommandSpec } from '../command.js';
import { intOption } from '../command.js';
import { connectionOptions, type ConnectionFlags } from '../connection-options.js';
import { EXIT, UserError } from '../errors.js';
import { ProfileStore } from '../../config/profile-store.js';
import { PROFILE_NAME_RE } from '../../config/profile-schema.js';
import { ConnectError } from '../../transport/connect-errors.js';
import { connect, type ServerConnection } from '../../transport/connection.js';
import { cliPrompter, type Prompter } from '../../transport/prompter.js';
import { resolveTarget, type SshTarget } from '../../transport/target.js';
import { sanitise } from '../../render/sanitise.js';
import { createProvisionContext } from '../../provision/provision-context.js';
import { planLines, STATUS_WORD } from '../../provision/plan-text.js';
import { readProjectFiles } from '../../provision/project-files.js';
import { NoRootError } from '../../provision/root-shell.js';
import { runProvision, type RunOutcome, type StepReport } from '../../provision/run.js';
import { parseEnvBytes } from '../../provision/env-lines.js';
import { readFdBytes, secretLine } from '../secret-fd.js';
import { APP_NAME_RE, DEPLOY_USER_RE, parsePublicKey, type ProvisionSettings } from '../../provision/settings.js';
import { PROVISION_STEPS } from '../../provision/steps/index.js';
import type { SudoMode } from '../../provision/sudoers.js';

type Stdin = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

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

function header(r: StepReport, i: number, n: number): string {
  return `[${i + 1}/${n}] ${r.title}: ${STATUS_WORD[r.status]}`;
}

const FINAL: ReadonlySet<StepReport['status']> = new Set(['applied', 'already-done', 'proven', 'skipped', 'declined', 'failed', 'refused', 'not-reached', 'planned']);

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

async function runText(ctx: CommandContext, req: ProvisionRequest, password: Buffer | undefined, envValues: Map<string, Buffer>): Promise<number> {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  const base = cliPrompter({ stdin: ctx.stdin as Stdin, stderr: ctx.stderr as Writable });
  const prompter = prompterWith(base, password);
  const conn = await connectForProvision(req.target, prompter, ctx.env);
  try {
    let pctx;
    try {
      pctx = await createProvisionContext(conn, req.settings, {
        prompter: base,
        askValue: async (q) => {
          const b = envValues.get(q.name);
          if (b) return Buffer.from(b);
          return q.secret ? base.askSecret({ kind: 'password', prompt: `${q.name}${q.message ? ` (${sanitise(q.message)})` : ''}` }) : base.askSecret({ kind: 'password', prompt: q.name });
        },
        askPassword: (p) => base.askSecret({ kind: 'password', prompt: p }),
        log: (l) => out(`  ${l}`),
        onCommand: (line, result) => {
          if (!result) out(`  $ ${line}`);
          else if (result.code !== 0) out(`    (exit ${result.code ?? 'signal'})`);
        },
        env: ctx.env,
      });
    } catch (err) {
      if (err instanceof NoRootError) throw new UserError(err.message, { hint: 'Log in as root, or give the deploy user sudo without a password.' });
      throw err;
    }
    out(`${req.planOnly ? 'Plan for' : 'Provisioning'} ${req.target.label} (deploy user ${req.settings.deployUser}, key ${req.settings.identityFile})`);
    const n = PROVISION_STEPS.length;
    const outcome = await runProvision(pctx, PROVISION_STEPS, {
      planOnly: req.planOnly,
      confirm: async () => 'yes',
      onReport: (r) => {
        const i = PROVISION_STEPS.findIndex((s) => s.id === r.id);
        if (r.status === 'asking') {
          out(header(r, i, n));
          for (const l of planLines(pctx, r)) out(`      ${l}`);
        } else if (FINAL.has(r.status)) {
          out(header(r, i, n));
          const lines = r.status === 'planned' || r.status === 'already-done' || r.status === 'refused' ? planLines(pctx, r) : [];
          for (const l of [...lines, ...r.lines]) out(`      ${l}`);
        }
      },
    });
    out(summaryLine(outcome, req.planOnly));
    if (outcome.ok && !req.planOnly) {
      out(`Next: opsdeck audit --host ${req.settings.deployUser}@${req.target.name}${req.saveProfile ? ` (or --host ${req.saveProfile})` : ''}`);
      if (req.saveProfile) saveProfile(ctx, req, out);
    }
    return outcome.ok ? EXIT.ok : EXIT.degraded;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

function saveProfile(ctx: CommandContext, req: ProvisionRequest, out: (l: string) => void): void {
  const store = new ProfileStore({ ...(ctx.values.config ? { configPath: String(ctx.values.config) } : {}), env: ctx.env });
  const name = req.saveProfile!;
  store.add(
    {
      name,
      ssh: { host: req.target.name, user: req.settings.deployUser, ...(req.target.port !== 22 ? { port: req.target.port } : {}), identityFile: req.settings.identityFile },
      ...(req.settings.app ? { compose: { directory: req.settings.app.dir } } : {}),
    },
    { replace: store.get(name) !== undefined },
  );
  out(`saved profile '${name}' in ${store.path}`);
}

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length) throw new UserError(`provision: unexpected argument '${ctx.positionals[0]}'`);
  const v = ctx.values;
  if (v.plan === true && v.yes === true) throw new UserError('provision: --plan changes nothing and --yes applies every step; give one of them', { hint: "Run 'opsdeck provision --help' for usage." });
  const req = await provisionRequest(ctx);
  const stdin = ctx.stdin as Stdin;
  const pwFd = v['password-fd'] === undefined ? undefined : intOption(v['password-fd'], 'password-fd', { min: 0, max: 1023, fallback: 0 });
  const envFd = v['env-fd'] === undefined ? undefined : intOption(v['env-fd'], 'env-fd', { min: 0, max: 1023, fallback: 0 });
  if ((pwFd === 0 || envFd === 0) && stdin.isTTY) throw new UserError('reading a secret from fd 0 on a terminal would echo it', { hint: 'Leave the flag out to be asked with the input hidden.' });
  const interactive = !req.planOnly && v.yes !== true;
  if (interactive && (!stdin.isTTY || !(ctx.stdout as { isTTY?: boolean }).isTTY)) {
    throw new UserError('the provision wizard needs an interactive terminal', { hint: 'Use --plan to see what it would do, or --yes to apply every step without asking (secrets from --password-fd / --env-fd).' });
  }
  const password = pwFd === undefined ? undefined : secretLine(await readFdBytes(pwFd, 'password-fd', 64 * 1024, 'password'), 'password-fd', pwFd, 'password');
  const envValues = envFd === undefined ? new Map<string, Buffer>() : parseEnvBytes(await readFdBytes(envFd, 'env-fd', 64 * 1024, 'list of KEY=VALUE lines'), 'env-fd');
  try {
    if (!interactive) return await runText(ctx, req, password, envValues);
    const { runProvisionTui } = await import('../../provision/provision-tui.js');
    return await runProvisionTui(ctx, req, password);
  } finally {
    password?.fill(0);
    for (const b of envValues.values()) b.fill(0);
  }
}

export const provisionCommand: CommandSpec = {
  name: 'provision',
  summary: 'guided first-time setup of a fresh server: deploy user, SSH hardening, ufw, unattended upgrades, Docker, app dir (--plan: show, change nothing)',
  usage: 'provision --host root@NEW [--plan | --yes] [--deploy-user NAME] [--key FILE] [--sudo nopasswd|password|none] [--app NAME --project DIR] [options]',
  options: {
    ...connectionOptions,
    plan: { type: 'boolean', description: 'check every step and print the exact commands it would run; change nothing' },
    yes: { type: 'boolean', description: 'no wizard: apply every planned step without asking (for scripts)' },
    'password-fd': { type: 'string', valueName: 'N', description: "read the login password (root's, on a fresh server) from file descriptor N" },
    'deploy-user': { type: 'string', valueName: 'NAME', description: 'the non-root user to create (default deploy)' },
    key: { type: 'string', valueName: 'FILE', description: "your private key for the deploy user (default: the first identity with a .pub); FILE.pub is installed" },
    'public-key': { type: 'string', valueName: 'FILE', description: 'install this public key instead of KEY.pub' },
    sudo: { type: 'string', valueName: 'MODE', description: 'the deploy user\'s sudo: nopasswd (default), password or none' },
    http3: { type: 'boolean', description: 'also open 443/udp (HTTP/3)' },
    'keep-root-password': { type: 'boolean', description: "leave root's password usable (for a provider console); audit will warn" },
    'docker-source': { type: 'string', valueName: 'SRC', description: "if Docker is missing: distribution or docker (Docker's apt repository; default on Debian 12)" },
    app: { type: 'string', valueName: 'NAME', description: 'create /opt/NAME (owned by the deploy user) and its .env' },
    'app-dir': { type: 'string', valueName: 'PATH', description: 'the app directory on the server (default /opt/NAME)' },
    project: { type: 'string', valueName: 'DIR', description: 'your project checkout: its .env.example and compose file(s) say which variables to ask' },
    compose: { type: 'string', multiple: true, valueName: 'FILE', description: 'compose file(s) in the project (default: the usual names)' },
    'env-fd': { type: 'string', valueName: 'N', description: 'with --yes: KEY=VALUE lines for the required .env variables, from file descriptor N' },
    'save-profile': { type: 'string', valueName: 'NAME', description: 'after success, save a profile NAME (deploy user, key, app dir)' },
  },
  run,
};
