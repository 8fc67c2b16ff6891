import { AUTO_UPGRADES_FILE, AUTO_UPGRADES_TEXT, parseAptConfigDump, unattendedEnabled } from '../apt-periodic.js';
import { runCommands, writeFileCommand, type Command, type Step } from '../step.js';
import { APT_INSTALL } from './firewall.js';

/** Sorts right after 20auto-upgrades: apt lets later files override, so this wins over a "0" there. */
export const OVERRIDE_FILE = '/etc/apt/apt.conf.d/21opsdeck-auto-upgrades';

const FACTS = [
  'printf "pkg %s\\n" "$(dpkg-query -W -f=\'${db:Status-Abbrev}\' unattended-upgrades 2>/dev/null)"',
  '[ -e /etc/apt/apt.conf.d/20auto-upgrades ] && echo "file20 yes"',
  '[ -e /var/run/reboot-required ] && echo "reboot yes"',
  'if [ -d /run/systemd/system ]; then for t in apt-daily.timer apt-daily-upgrade.timer; do echo "timer $t $(systemctl is-enabled "$t" 2>/dev/null)"; done; fi',
  'echo "@@dump"; apt-config dump 2>/dev/null | grep "^APT::Periodic"',
  'exit 0',
].join('\n');

export interface UpgradeFacts {
  installed: boolean;
  file20: boolean;
  rebootRequired: boolean;
  timersOff: string[];
  upgrade: boolean;
  lists: boolean;
  dumpLines: string[];
}

export async function readUpgradeFacts(run: (argv: string[]) => Promise<{ stdout: string }>): Promise<UpgradeFacts> {
  const r = await run(['sh', '-c', FACTS]);
  const [head = '', dump = ''] = r.stdout.split('@@dump');
  const e = unattendedEnabled(parseAptConfigDump(dump));
  return {
    installed: /^pkg ii/m.test(head),
    file20: /^file20 yes$/m.test(head),
    rebootRequired: /^reboot yes$/m.test(head),
    timersOff: [...head.matchAll(/^timer (\S+) (\S*)$/gm)].filter((m) => m[2] !== 'enabled' && m[2] !== 'static').map((m) => m[1]!),
    ...e,
    dumpLines: dump.split('\n').map((l) => l.trim()).filter((l) => /Unattended-Upgrade|Update-Package-Lists/.test(l)),
  };
}

/** Step 6: unattended-upgrades installed and switched on (APT::Periodic::Unattended-Upgrade "1"). */
export const upgradesStep: Step = {
  id: 'upgrades',
  title: 'Unattended security upgrades',
  lockout: false,
  async check(ctx) {
    const f = await readUpgradeFacts((argv) => ctx.shell.run(argv));
    const found = [f.installed ? 'unattended-upgrades is installed' : 'unattended-upgrades is not installed', ...f.dumpLines.map((l) => `apt-config: ${l}`)];
    const notes: string[] = [];
    if (f.rebootRequired) notes.push('a reboot is pending (/var/run/reboot-required): updates already installed wait for it.');
    const commands: Command[] = [];
    if (!f.installed) commands.push({ argv: [...APT_INSTALL, 'unattended-upgrades'] });
    if (!f.upgrade || !f.lists) commands.push(writeFileCommand(f.file20 ? OVERRIDE_FILE : AUTO_UPGRADES_FILE, AUTO_UPGRADES_TEXT));
    if (f.timersOff.length) commands.push({ argv: ['systemctl', 'enable', '--now', ...f.timersOff] });
    if (!ctx.facts.systemd) notes.push('no systemd: the apt-daily timers that start unattended-upgrades do not run here; a real server runs them.');
    if (!commands.length) return { state: 'done', found, commands, notes };
    return { state: 'todo', found, commands, notes, files: [{ path: f.file20 ? OVERRIDE_FILE : AUTO_UPGRADES_FILE, text: AUTO_UPGRADES_TEXT }] };
  },
  apply: (ctx, check) => runCommands(ctx, check.commands),
  async verify(ctx) {
    const f = await readUpgradeFacts((argv) => ctx.shell.run(argv));
    return f.installed && f.upgrade && f.lists ? { ok: true, lines: f.dumpLines } : { ok: false, lines: ['apt-config dump does not show APT::Periodic::Unattended-Upgrade "1"', ...f.dumpLines] };
  },
};
