import type { Readable, Writable } from 'node:stream';
import type { CommandContext, CommandSpec } from '../command.js';
import { intOption } from '../command.js';
import { connectionOptions } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { ProfileStore } from '../../config/profile-store.js';
import { cliPrompter } from '../../transport/prompter.js';
import { sanitise } from '../../text/sanitise.js';
import { createProvisionContext } from '../../provision/provision-context.js';
import { planLines, STATUS_WORD } from '../../provision/plan-text.js';
import { NoRootError } from '../../provision/root-shell.js';
import { runProvision, type StepReport } from '../../provision/run.js';
import { parseEnvBytes } from '../../provision/env-lines.js';
import { readFdBytes, secretLine } from '../secret-fd.js';
import { PROVISION_STEPS } from '../../provision/steps/index.js';
import { connectForProvision, prompterWith, provisionRequest, summaryLine, type ProvisionRequest } from '../provision-request.js';

type Stdin = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

function header(r: StepReport, i: number, n: number): string {
  return `[${i + 1}/${n}] ${r.title}: ${STATUS_WORD[r.status]}`;
}

const FINAL: ReadonlySet<StepReport['status']> = new Set(['applied', 'already-done', 'proven', 'skipped', 'declined', 'failed', 'refused', 'not-reached', 'planned']);

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
    const { runProvisionTui } = await import('../provision-tui.js');
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
