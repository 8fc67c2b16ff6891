import { ENV_KEYS_AWK, isSecretName, parseEnvKeys, planEnv, renderEnv, requiredVariables } from '../env-file.js';
import { lastLine } from '../root-shell.js';
import { sanitise } from '../../text/sanitise.js';
import { runCommands, unlessSymlink, type Command, type ProvisionContext, type Step } from '../step.js';

const FACTS = [
  'd="$1"',
  // A link root made (/opt/shop -> /data/shop) is a choice; one someone else made is not followed.
  '[ -L "$d" ] && [ "$(stat -c %u "$d")" != 0 ] && printf "link %s\\n" "$d" && exit 0',
  '[ -L "$d/.env" ] && printf "link %s\\n" "$d/.env" && exit 0',
  '[ -d "$d" ] && printf "dir %s\\n" "$(stat -c "%U:%G %a" "$d")"',
  'if [ -f "$d/.env" ]; then printf "env %s\\n" "$(stat -c "%U:%G %a" "$d/.env")"; echo "@@keys"; awk "$2" "$d/.env"; fi',
  'exit 0',
].join('\n');

async function appFacts(ctx: ProvisionContext, dir: string) {
  const r = await ctx.shell.run(['sh', '-c', FACTS, 'app-facts', dir, ENV_KEYS_AWK]);
  if (r.code !== 0) throw new Error(`cannot look at ${dir}: ${lastLine(r)}`);
  const dirStat = /^dir (\S+) (\d+)$/m.exec(r.stdout);
  const envStat = /^env (\S+) (\d+)$/m.exec(r.stdout);
  const keys = envStat ? parseEnvKeys(r.stdout.slice(r.stdout.indexOf('@@keys') + 6)) : null;
  const link = /^link (.*)$/m.exec(r.stdout)?.[1];
  return { dirOwner: dirStat?.[1], dirMode: dirStat?.[2], envOwner: envStat?.[1], envMode: envStat?.[2], keys, link };
}

/**
 * Step 8: the app directory (owned by deploy) and its .env (mode 600), from the project's
 * .env.example, with every variable the compose file requires (`${VAR:?}`) asked for — values
 * that look secret with the input hidden. An existing .env is only appended to, never rewritten.
 */
export const appStep: Step = {
  id: 'app',
  title: 'App directory and .env',
  lockout: false,
  async check(ctx) {
    const app = ctx.settings.app;
    if (!app) return { state: 'skip', found: ['no app given (--app NAME --project DIR)'], commands: [], notes: [] };
    const u = ctx.settings.deployUser;
    const f = await appFacts(ctx, app.dir);
    const env = `${app.dir}/.env`;
    if (f.link !== undefined) return { state: 'refused', found: [`${sanitise(f.link)} is a symbolic link: provision runs as root and will not follow it (make it a plain ${f.link === env ? 'file' : 'directory'} owned by ${u})`], commands: [], notes: [] };
    const required = requiredVariables(app.composeText);
    const plan = planEnv(required, f.keys);
    const found = [
      f.dirOwner ? `${app.dir} exists (${f.dirOwner}, mode ${f.dirMode})` : `no ${app.dir}`,
      f.keys ? `${env} exists (${f.envOwner}, mode ${f.envMode}) with ${f.keys.size} variables` : `no ${env}`,
      required.length ? `the compose file requires ${required.map((r) => r.name).join(', ')}` : 'the compose file requires no variables',
    ];
    if (plan.present.length) found.push(`already set: ${plan.present.join(', ')}`);
    const commands: Command[] = [];
    if (f.dirOwner !== `${u}:${u}`) commands.push({ argv: ['install', '-d', '-m', '0750', '-o', u, '-g', u, app.dir] });
    const answersFor = async (c: ProvisionContext) => {
      const answers = new Map<string, Buffer>();
      try {
        for (const v of plan.missing) {
          const b = await c.askValue({ ...v, secret: isSecretName(v.name) });
          if (!b) throw new Error(`no value for ${v.name}`);
          answers.set(v.name, b);
        }
        return renderEnv(app.envExample, f.keys !== null, answers);
      } finally {
        for (const b of answers.values()) b.fill(0);
      }
    };
    const describe = plan.missing.length ? `${plan.missing.map((m) => `${m.name}${isSecretName(m.name) ? ' (hidden)' : ''}`).join(', ')}: asked now` : '.env.example as it is';
    if (f.keys === null && (app.envExample !== null || plan.missing.length)) {
      commands.push({ argv: unlessSymlink([env], ['install', '-m', '0600', '-o', u, '-g', u, '/dev/stdin', env]), stdin: { kind: 'secret', describe, bytes: answersFor } });
    } else if (f.keys !== null && plan.missing.length) {
      commands.push({ argv: unlessSymlink([env], ['sh', '-c', 'cat >> "$1"', 'append', env]), stdin: { kind: 'secret', describe, bytes: answersFor } });
    }
    if (f.keys !== null && (f.envMode !== '600' || f.envOwner !== `${u}:${u}`)) commands.push({ argv: unlessSymlink([env], ['chown', `${u}:${u}`, env]) }, { argv: unlessSymlink([env], ['chmod', '0600', env]) });
    return { state: commands.length ? 'todo' : 'done', found, commands, notes: ['.env stays on the server (mode 600): never commit it.'] };
  },
  apply: (ctx, check) => runCommands(ctx, check.commands),
  async verify(ctx) {
    const again = await appStep.check(ctx);
    return again.state === 'done' || again.state === 'skip' ? { ok: true, lines: again.found } : { ok: false, lines: ['still to do:', ...again.commands.map((c) => c.argv.join(' '))] };
  },
};
