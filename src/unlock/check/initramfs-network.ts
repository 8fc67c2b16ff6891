/**
 * How the initramfs brings up its network, so Dropbear is reachable at all. initramfs-tools
 * reads the kernel's `ip=` parameter, else `IP=` from initramfs.conf / conf.d; with neither it
 * tries DHCP on every interface (configure_networking), which fails on providers that hand out
 * static addresses only.
 *
 * Format (kernel Documentation/admin-guide/nfs/nfsroot.rst):
 *   ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>…  or  ip=dhcp|on|any|off|none
 */

export type NetworkSetting =
  | { kind: 'static'; address: string; gateway: string; netmask: string; device: string; raw: string }
  | { kind: 'dhcp'; device: string; raw: string }
  | { kind: 'off'; raw: string }
  | { kind: 'unparsed'; raw: string };

export function parseIpSetting(raw: string): NetworkSetting {
  const v = raw.trim();
  const lower = v.toLowerCase();
  if (['off', 'none'].includes(lower)) return { kind: 'off', raw: v };
  if (['dhcp', 'on', 'any', 'both', 'bootp', 'dhcp6'].includes(lower) || v === '') return { kind: 'dhcp', device: '', raw: v };
  const f = v.split(':');
  if (f.length < 2) return { kind: 'unparsed', raw: v };
  const [address = '', , gateway = '', netmask = '', , device = '', autoconf = ''] = f;
  if (address === '' || ['dhcp', 'on', 'any', 'both'].includes(autoconf.toLowerCase())) return { kind: 'dhcp', device, raw: v };
  return { kind: 'static', address, gateway, netmask, device, raw: v };
}

/** The value of `ip=` among kernel parameters (the last one wins, as in initramfs-tools). */
export function ipFromCmdline(cmdline: string): string | undefined {
  let found: string | undefined;
  for (const word of cmdline.trim().split(/\s+/)) {
    if (word === '--') break;
    if (word.startsWith('ip=')) found = word.slice(3);
  }
  return found;
}

export function describeSetting(s: NetworkSetting): string {
  switch (s.kind) {
    case 'static':
      return `static ${s.address}${s.netmask ? `/${s.netmask}` : ''}${s.gateway ? ` via ${s.gateway}` : ''}${s.device ? ` on ${s.device}` : ''}`;
    case 'dhcp':
      return `DHCP${s.device ? ` on ${s.device}` : ''}`;
    case 'off':
      return 'off (no network in the initramfs)';
    case 'unparsed':
      return `'${s.raw}' (not in a form opsdeck reads)`;
  }
}
