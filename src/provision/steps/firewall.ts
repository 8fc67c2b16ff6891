import { runCommands, type Command, type Step } from '../step.js';
import { parseUfwAdded, parseUfwDefaults, parseUfwStatus, ufwCommands, wantedRules, type UfwFacts } from '../ufw-status.js';
import { effectiveSettings } from './ssh-hardening.js';

export const APT_INSTALL = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends'];

const UFW_FACTS = [
  'command -v ufw >/dev/null || { echo "@@missing"; exit 0; }',
  'ufw status verbose; echo "@@added"; ufw show added; echo "@@defaults"; cat /etc/default/ufw 2>/dev/null; echo "@@conf"; grep -E "^ENABLED=" /etc/ufw/ufw.conf 2>/dev/null',
  'if [ -d /run/systemd/system ]; then echo "@@unit $(systemctl is-enabled ufw.service 2>/dev/null)"; fi',
  'exit 0',
].join('\n');

export async function readUfw(run: (argv: string[]) => Promise<{ code: number | null; stdout: string; stderr: string }>): Promise<(UfwFacts & { bootEnabled: boolean; unit: string | undefined; raw: string }) | { installed: false; raw: string }> {
  const r = await run(['sh', '-c', UFW_FACTS]);
  if (/^@@missing$/m.test(r.stdout)) return { installed: false, raw: r.stdout };
  const [status = '', rest = ''] = r.stdout.split('@@added');
  const [added = '', rest2 = ''] = rest.split('@@defaults');
  const [defaults = '', conf = ''] = rest2.split('@@conf');
  return {
    installed: true,
    status: parseUfwStatus(status),
    added: parseUfwAdded(added),
    defaults: parseUfwDefaults(defaults),
    bootEnabled: /^ENABLED=yes/m.test(conf),
    unit: /^@@unit (\S*)/m.exec(conf)?.[1],
    raw: status.trim(),
  };
}

/**
 * Step 5: ufw admitting SSH, 80/tcp and 443/tcp (443/udp for HTTP/3 if asked), denying the rest.
 * The SSH rule is added before the firewall is enabled, always; after enabling, a fresh deploy
 * login must still work, otherwise ufw is disabled again.
 */
export const firewallStep: Step = {
  id: 'firewall',
  title: 'Firewall (ufw)',
  lockout: true,
  async check(ctx) {
    let port = ctx.facts.sshPort;
    if (!port) {
      const e = await effectiveSettings(ctx, 'root');
      port = (e.ok && Number(e.values.get('port'))) || 22;
      ctx.facts.sshPort = port;
    }
    const f = await readUfw((argv) => ctx.shell.run(argv));
    const want = wantedRules(port, ctx.settings.http3);
    const commands: Command[] = [];
    const found: string[] = [];
    const notes: string[] = [];
    if (!f.installed) {
      found.push('ufw is not installed');
      commands.push({ argv: [...APT_INSTALL, 'ufw'] });
      const all: UfwFacts = { installed: false, status: { active: false, defaultIncoming: undefined, defaultOutgoing: undefined, rules: [] }, added: [], defaults: { input: undefined, output: undefined } };
      commands.push(...ufwCommands(all, port, ctx.settings.http3).map((argv) => ({ argv })));
    } else {
      found.push(f.status.active ? `ufw active, default ${f.status.defaultIncoming ?? '?'} incoming` : 'ufw inactive', f.added.length ? `rules: ${f.added.join(', ')}` : 'no rules');
      commands.push(...ufwCommands(f, port, ctx.settings.http3).map((argv) => ({ argv })));
      if (f.status.active && !f.bootEnabled) commands.push({ argv: ['ufw', '--force', 'enable'] });
    }
    if (ctx.facts.systemd) {
      if (!f.installed || ('unit' in f && f.unit !== 'enabled')) commands.push({ argv: ['systemctl', 'enable', 'ufw.service'] });
    } else notes.push('no systemd: ENABLED=yes in /etc/ufw/ufw.conf is what the boot scripts read; the rules are loaded now.');
    if (commands.length === 0) return { state: 'done', found, commands, notes: [] };
    notes.unshift(`opens ${want.join(', ')} (SSH first, before enabling); everything else incoming is denied.`);
    notes.push("Docker's published ports bypass ufw (Docker writes its own iptables rules): audit checks them separately.");
    return { state: 'todo', found, commands, notes, rollback: [{ argv: ['ufw', '--force', 'disable'] }] };
  },
  async apply(ctx, check) {
    const r = await runCommands(ctx, check.commands);
    if (!r.ok) return r;
    const proof = await ctx.proveDeployLogin();
    if (!proof.ok) {
      for (const c of check.rollback ?? []) await ctx.run(c).catch(() => undefined);
      return { ok: false, lines: [...r.lines, `a fresh login failed with the firewall on (${proof.reason}); ufw was disabled again`] };
    }
    return { ok: true, lines: [...r.lines, `fresh login with the firewall on: ${proof.detail}`] };
  },
  async verify(ctx) {
    const f = await readUfw((argv) => ctx.shell.run(argv));
    if (!f.installed) return { ok: false, lines: ['ufw is not installed'] };
    const port = ctx.facts.sshPort ?? 22;
    const left = ufwCommands(f, port, ctx.settings.http3);
    if (!f.status.active || left.length) return { ok: false, lines: [`ufw status verbose: ${f.raw.split('\n')[0] ?? ''}`, ...left.map((c) => `still needed: ${c.join(' ')}`)] };
    return { ok: true, lines: [`ufw status verbose: active, default deny (incoming), ${f.status.rules.filter((x) => !x.v6).map((x) => x.to).join(', ')}`] };
  },
};
