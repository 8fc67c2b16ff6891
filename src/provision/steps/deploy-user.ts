import { sanitise } from '../../text/sanitise.js';
import { parsePublicKey } from '../settings.js';
import { lastLine } from '../root-shell.js';
import { runCommands, unlessSymlink, writeFileCommand, type Command, type Step, type StepCheck } from '../step.js';
import { sudoersPath, sudoersText } from '../sudoers.js';

interface DeployFacts {
  exists: boolean;
  home: string;
  keys: string | null;
  sshDirMode: string | undefined;
  keysMode: string | undefined;
  owner: string | undefined;
  passwordField: string;
  sudoers: string | null;
  /** ~/.ssh or authorized_keys that are symbolic links (never followed as root). */
  links: string[];
}

const FACTS_SCRIPT = [
  'u="$1"',
  'e=$(getent passwd "$u") || { echo "exists no"; exit 0; }',
  'echo "exists yes"',
  'home=$(printf "%s" "$e" | cut -d: -f6); printf "home %s\\n" "$home"',
  'printf "shadow %s\\n" "$(getent shadow "$u" | cut -d: -f2 | cut -c1-3)"',
  'for f in "$home/.ssh" "$home/.ssh/authorized_keys"; do if [ -L "$f" ]; then printf "link %s\\n" "$f"; elif [ -e "$f" ]; then printf "stat %s\\n" "$(stat -c "%a %U:%G %n" "$f")"; fi; done',
  'if [ -f "$2" ]; then echo "sudoers yes"; fi',
  'exit 0',
].join('\n');

async function gather(ctx: Parameters<Step['check']>[0]): Promise<DeployFacts> {
  const u = ctx.settings.deployUser;
  const r = await ctx.shell.run(['sh', '-c', FACTS_SCRIPT, 'deploy-facts', u, sudoersPath(u)]);
  if (r.code !== 0) throw new Error(`cannot look at user ${u}: ${lastLine(r)}`);
  const out = r.stdout;
  const exists = /^exists yes$/m.test(out);
  const home = /^home (.*)$/m.exec(out)?.[1] ?? `/home/${u}`;
  const stat = (suffix: string) => new RegExp(`^stat (\\d+) (\\S+) .*${suffix.replace(/[.]/g, '\\.')}$`, 'm').exec(out);
  const ssh = stat('/.ssh');
  const ak = stat('/.ssh/authorized_keys');
  const links = [...out.matchAll(/^link (.*)$/gm)].map((m) => m[1]!);
  let keys: string | null = null;
  if (ak && links.length === 0) {
    const k = await ctx.shell.run(['cat', `${home}/.ssh/authorized_keys`]);
    keys = k.code === 0 ? k.stdout : null;
  }
  let sudoers: string | null = null;
  if (/^sudoers yes$/m.test(out)) {
    const s = await ctx.shell.run(['cat', sudoersPath(u)]);
    sudoers = s.code === 0 ? s.stdout : null;
  }
  return { exists, home, keys, sshDirMode: ssh?.[1], keysMode: ak?.[1], owner: ak?.[2] ?? ssh?.[2], passwordField: /^shadow (.*)$/m.exec(out)?.[1] ?? '', sudoers, links };
}

function hasKey(keys: string | null, blob: string): boolean {
  if (!keys) return false;
  return keys.split('\n').some((l) => l.split(/\s+/).includes(blob));
}

/** Step 2: the deploy user, the operator's key in its authorized_keys, and its sudo rights. */
export const deployUserStep: Step = {
  id: 'deploy-user',
  title: 'Deploy user and key',
  lockout: false,
  async check(ctx) {
    const s = ctx.settings;
    const u = s.deployUser;
    const key = parsePublicKey(s.publicKey);
    if (!key) return { state: 'refused', found: ['the public key given is not an OpenSSH public key line'], commands: [], notes: [] };
    const f = await gather(ctx);
    if (f.exists && (!f.home.startsWith('/') || sanitise(f.home) !== f.home)) {
      return { state: 'refused', found: [`the home directory of ${u} is '${sanitise(f.home)}', not a plain absolute path: fix it in /etc/passwd first`], commands: [], notes: [] };
    }
    if (f.links.length) {
      return { state: 'refused', found: f.links.map((l) => `${sanitise(l)} is a symbolic link: provision runs as root and will not follow it (make it a plain ${l.endsWith('/.ssh') ? 'directory' : 'file'} owned by ${u})`), commands: [], notes: [] };
    }
    const found: string[] = [];
    const commands: Command[] = [];
    const home = f.exists ? f.home : `/home/${u}`;
    if (f.exists) found.push(`user ${u} exists (home ${sanitise(home)})`);
    else {
      found.push(`no user ${u}`);
      commands.push({ argv: ['useradd', '--create-home', '--shell', '/bin/bash', '--user-group', u] });
    }
    const keyThere = hasKey(f.keys, key.blob);
    const modesOk = f.sshDirMode === '700' && f.keysMode === '600' && f.owner === `${u}:${u}`;
    found.push(keyThere ? `the ${key.type} key is in ${home}/.ssh/authorized_keys` : `the ${key.type} key is not in ${home}/.ssh/authorized_keys`);
    if (f.keys !== null) found.push(`~/.ssh ${f.sshDirMode ?? '?'}, authorized_keys ${f.keysMode ?? '?'} owned by ${sanitise(f.owner ?? '?')}`);
    if (!keyThere || !modesOk) {
      const sshDir = `${home}/.ssh`;
      const akFile = `${sshDir}/authorized_keys`;
      commands.push({ argv: unlessSymlink([sshDir], ['install', '-d', '-m', '0700', '-o', u, '-g', u, sshDir]) });
      const base = f.keys ?? '';
      const text = keyThere ? base : `${base}${base && !base.endsWith('\n') ? '\n' : ''}${key.line}\n`;
      const write = writeFileCommand(akFile, text, '0600', u, u);
      commands.push({ ...write, argv: unlessSymlink([sshDir, akFile], write.argv) });
    }
    const wantSudoers = sudoersText(u, s.sudo);
    const path = sudoersPath(u);
    if (wantSudoers === null) {
      found.push(f.sudoers === null ? 'no opsdeck sudo rule (no sudo chosen)' : `${path} exists, but no sudo was chosen`);
      if (f.sudoers !== null) commands.push({ argv: ['rm', '-f', '--', path] });
    } else if (f.sudoers === wantSudoers) found.push(`${path}: ${s.sudo === 'nopasswd' ? 'sudo without a password' : 'sudo with a password'}`);
    else {
      found.push(f.sudoers === null ? `no ${path}` : `${path} differs from the chosen sudo rule`);
      const tmp = `${path}.opsdeck-new`;
      commands.push(writeFileCommand(tmp, wantSudoers, '0440'));
      commands.push({ argv: ['visudo', '-cf', tmp] });
      commands.push({ argv: ['mv', '-f', '--', tmp, path] });
    }
    const pw = f.passwordField;
    const hasPassword = pw.startsWith('$');
    if (s.sudo === 'password' && !hasPassword) {
      found.push(`${u} has no password (sudo with a password needs one)`);
      commands.push({
        argv: ['chpasswd'],
        stdin: {
          kind: 'secret',
          describe: `${u}:PASSWORD (asked now, hidden)`,
          bytes: async (c) => {
            const p = await c.askPassword(`New password for ${u} (for sudo)`);
            if (!p || p.length === 0) throw new Error('no password given');
            // chpasswd reads user:password lines: a newline would end the password and start a
            // line of its own (another user's password), and a NUL or CR would cut it short.
            if (p.includes(0x0a) || p.includes(0x0d) || p.includes(0x00)) {
              p.fill(0);
              throw new Error('the password contains a line break or NUL byte: chpasswd cannot take it; choose another');
            }
            const line = Buffer.concat([Buffer.from(`${u}:`), p, Buffer.from('\n')]);
            p.fill(0);
            return line;
          },
        },
      });
    } else if (s.sudo !== 'password' && (pw.startsWith('!') || !f.exists)) {
      // useradd leaves the password "!" (locked): with UsePAM no, sshd refuses even key logins for it.
      commands.push({ argv: ['usermod', '-p', '*', u] });
    }
    const check: StepCheck = { state: commands.length ? 'todo' : 'done', found, commands, notes: [] };
    if (s.sudo === 'none') check.notes.push(`${u} gets no sudo: after SSH hardening root work needs the provider's console (the docker group is root-equivalent anyway).`);
    return check;
  },
  apply: (ctx, check) => runCommands(ctx, check.commands),
  async verify(ctx) {
    const again = await deployUserStep.check(ctx);
    return again.state === 'done' ? { ok: true, lines: again.found } : { ok: false, lines: ['the deploy user is still not as planned', ...again.found] };
  },
};
