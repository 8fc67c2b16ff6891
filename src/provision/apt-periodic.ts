/**
 * Unattended upgrades: APT::Periodic::Unattended-Upgrade "1" (and the list update it needs) in
 * /etc/apt/apt.conf.d/20auto-upgrades, the file Debian's and Ubuntu's own debconf question
 * writes. Judged from `apt-config dump`, i.e. what apt really reads from all its files.
 */
export const AUTO_UPGRADES_FILE = '/etc/apt/apt.conf.d/20auto-upgrades';

export const AUTO_UPGRADES_TEXT = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';

/** `apt-config dump` lines: `APT::Periodic::Unattended-Upgrade "1";` → map key → value. */
export function parseAptConfigDump(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const r = /^(\S+)\s+"(.*)";\s*$/.exec(line.trim());
    if (r) m.set(r[1]!, r[2]!);
  }
  return m;
}

/** apt reads "1", "true", "yes" and any positive number of days as on. */
export function periodicOn(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'always') return true;
  const n = Number(v);
  return Number.isFinite(n) && n > 0;
}

export function unattendedEnabled(dump: ReadonlyMap<string, string>): { upgrade: boolean; lists: boolean } {
  return { upgrade: periodicOn(dump.get('APT::Periodic::Unattended-Upgrade')), lists: periodicOn(dump.get('APT::Periodic::Update-Package-Lists')) };
}
