/**
 * Judge CheckFacts: one item per thing that must be right for a remote unlock to work after the
 * next reboot, each with what to do about it. Pure; quotes of server text are sanitised here.
 */
import { checkHostKey, fingerprintSHA256, type KnownHostEntry } from '../../config/known-hosts.js';
import { sanitise } from '../../text/sanitise.js';
import { parseAuthorizedKeys, forcedCommand, missingRestrictions } from './authorized-keys.js';
import type { CheckFacts } from './check-facts.js';
import { listenPorts, parseDropbearOptions, splitWords, type DropbearOptions } from './dropbear-options.js';
import { analyseListing, newerThanImage } from './initramfs-contents.js';
import { describeSetting, ipFromCmdline, parseIpSetting } from './initramfs-network.js';
import { lastAssignment, parseAssignments } from './shell-assignments.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'info';

export interface CheckItem {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

export type PinState = 'pinned' | 'unknown' | 'changed' | 'revoked' | 'no-endpoint';

export interface DropbearHostKey {
  file: string;
  keyType: string;
  blob: Buffer;
  fingerprint: string;
  pin: PinState;
  /** known_hosts file:line of the entry that matches or differs. */
  where?: string;
}

export interface CheckContext {
  label: string;
  /** How opsdeck reaches the initramfs; undefined in local mode (no pinning, no port comparison). */
  endpoint?: { host: string; port: number; lookupName: string; knownHostsFile: string; command: string };
  /** Entries of the initramfs known_hosts. */
  knownHosts: readonly KnownHostEntry[];
  /** Public keys opsdeck would offer to Dropbear, by identity file. */
  offeredKeys: readonly { file: string; blob: Buffer }[];
}

export interface CheckReport {
  label: string;
  items: CheckItem[];
  hostKeys: DropbearHostKey[];
  /** No item failed. */
  ok: boolean;
}

const s = (text: string) => sanitise(text);

export function dropbearOptionsOf(facts: CheckFacts): { options: DropbearOptions; words: string[]; line: number | undefined; dynamic: boolean } | undefined {
  if (facts.config?.read.status !== 'ok') return undefined;
  const a = lastAssignment(parseAssignments(facts.config.read.text), 'DROPBEAR_OPTIONS');
  const words = a ? splitWords(a.value) : [];
  return { options: parseDropbearOptions(words), words, line: a?.line, dynamic: a?.dynamic ?? false };
}

function unreadable(what: string, path: string, facts: CheckFacts): CheckItem['hint'] {
  return facts.privileged === 'none'
    ? `${path} is readable by root only and ${facts.user} cannot sudo without a password: run the check as root, or allow '${facts.user}' to sudo -n.`
    : `Could not read ${what}.`;
}

export function evaluateCheck(facts: CheckFacts, ctx: CheckContext): CheckReport {
  const items: CheckItem[] = [];
  const add = (id: string, title: string, status: CheckStatus, detail: string, hint?: string) => items.push({ id, title, status, detail: s(detail), ...(hint ? { hint: s(hint) } : {}) });

  // 1. The package.
  if (facts.dpkg.status === 'installed') add('package', 'dropbear-initramfs', 'pass', `installed (${facts.dpkg.version})`);
  else if (facts.dpkg.status === 'not-installed') add('package', 'dropbear-initramfs', 'fail', 'not installed', 'apt install dropbear-initramfs (and cryptsetup-initramfs for cryptroot-unlock), then configure it and run update-initramfs -u.');
  else add('package', 'dropbear-initramfs', facts.configDir.exists ? 'info' : 'warn', facts.dpkg.detail, 'Without dpkg opsdeck judges by the files alone.');

  // 2. dropbear.conf / config and DROPBEAR_OPTIONS.
  const dir = facts.configDir;
  const cfg = facts.config;
  const opts = dropbearOptionsOf(facts);
  if (!cfg) {
    add('config', 'Dropbear options', 'fail', `no dropbear.conf or config in ${dir.path}${dir.exists ? '' : ' (no such directory)'}`, `Create ${dir.path}/dropbear.conf with DROPBEAR_OPTIONS="-I 60 -j -k -s -p ${ctx.endpoint?.port ?? 2222}" ('opsdeck unlock check --write' can).`);
  } else if (cfg.read.status === 'denied') add('config', 'Dropbear options', 'warn', `${cfg.path} cannot be read`, unreadable('the options', cfg.path, facts));
  else if (cfg.read.status === 'error') add('config', 'Dropbear options', 'warn', `${cfg.path}: ${cfg.read.detail}`);
  else if (!opts || opts.line === undefined) add('config', 'Dropbear options', 'fail', `${cfg.path} has no DROPBEAR_OPTIONS: dropbear runs with its defaults (port 22, passwords allowed, forwarding allowed)`, `Add DROPBEAR_OPTIONS="-I 60 -j -k -s -p ${ctx.endpoint?.port ?? 2222}".`);
  else add('config', 'Dropbear options', opts.dynamic ? 'warn' : 'pass', `${cfg.path} line ${opts.line}: DROPBEAR_OPTIONS="${opts.words.join(' ')}"${opts.dynamic ? ' (uses shell expansions: read literally)' : ''}`);

  if (opts && opts.line !== undefined) {
    const o = opts.options;
    const ports = listenPorts(o);
    const want = ctx.endpoint?.port;
    if (want !== undefined && !ports.includes(want)) {
      add('port', 'port', 'fail', `Dropbear listens on ${ports.join(', ') || '?'}, opsdeck knocks on ${want}`, `Set "unlock": { "port": ${ports[0] ?? 2222} } in the profile, or -p ${want} in DROPBEAR_OPTIONS.`);
    } else if (o.listen.length === 0) {
      add('port', 'port', 'warn', 'no -p: Dropbear listens on 22, the port of the real sshd', 'Give the initramfs its own port (-p 2222): one address:port with two different host keys looks like an attack to every SSH client.');
    } else add('port', 'port', 'pass', `listens on ${ports.join(', ')}`);
    add('no-passwords', 'password logins', o.noPasswords ? 'pass' : 'fail', o.noPasswords ? '-s: keys only' : 'no -s: password logins are allowed', o.noPasswords ? undefined : 'Add -s to DROPBEAR_OPTIONS.');
    const fwd = o.noLocalForwarding && o.noRemoteForwarding;
    add('no-forwarding', 'port forwarding', fwd ? 'pass' : 'warn', fwd ? '-j -k: no forwarding' : `forwarding allowed (${[!o.noLocalForwarding ? 'no -j' : '', !o.noRemoteForwarding ? 'no -k' : ''].filter(Boolean).join(', ')})`, fwd ? undefined : 'Add -j -k to DROPBEAR_OPTIONS.');
    add('idle-timeout', 'idle timeout', o.idleTimeout ? 'pass' : 'info', o.idleTimeout ? `-I ${o.idleTimeout}: idle sessions close after ${o.idleTimeout}s` : 'no -I: a forgotten session stays open', o.idleTimeout ? undefined : 'Debian suggests -I 60.');
    if (o.forcedCommand) add('dropbear-command', 'forced command (-c)', 'info', `every login runs ${o.forcedCommand}`);
  }

  // 3. authorized_keys.
  const ak = facts.authorizedKeys;
  if (ak.read.status === 'missing') add('authorized-keys', 'authorized_keys', 'fail', `${ak.path} does not exist: nobody can log in to the initramfs`, `Put your public key there with no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="cryptroot-unlock" before it, then update-initramfs -u.`);
  else if (ak.read.status === 'denied') add('authorized-keys', 'authorized_keys', 'warn', `${ak.path} cannot be read`, unreadable('authorized_keys', ak.path, facts));
  else if (ak.read.status === 'error') add('authorized-keys', 'authorized_keys', 'warn', `${ak.path}: ${ak.read.detail}`);
  else {
    const parsed = parseAuthorizedKeys(ak.read.text);
    if (parsed.keys.length === 0) add('authorized-keys', 'authorized_keys', 'fail', `${ak.path} has no keys${parsed.problems.length ? ` (${parsed.problems.join('; ')})` : ''}`);
    else {
      add('authorized-keys', 'authorized_keys', parsed.problems.length ? 'warn' : 'pass', `${parsed.keys.length} key${parsed.keys.length === 1 ? '' : 's'} in ${ak.path}${parsed.problems.length ? `; ${parsed.problems.join('; ')}` : ''}`);
      const loose = parsed.keys.filter((k) => missingRestrictions(k).length > 0);
      add(
        'key-restrictions',
        'key restrictions',
        loose.length ? 'warn' : 'pass',
        loose.length ? loose.map((k) => `line ${k.line} (${k.comment || k.fingerprint}) lacks ${missingRestrictions(k).join(',')}`).join('; ') : 'every key has no-port-forwarding, no-agent-forwarding, no-X11-forwarding',
        loose.length ? "Put the missing options before those keys ('opsdeck unlock check --write' can)." : undefined,
      );
      const forced = parsed.keys.filter((k) => forcedCommand(k) !== undefined);
      const unforced = parsed.keys.length - forced.length;
      add(
        'forced-command',
        'forced command',
        unforced === 0 ? 'pass' : 'info',
        unforced === 0 ? `every key is limited to ${[...new Set(forced.map((k) => forcedCommand(k)))].join(', ')}` : `${unforced} key${unforced === 1 ? '' : 's'} can run any command in the initramfs`,
        unforced === 0 ? undefined : 'Ideally command="cryptroot-unlock" before each key: a stolen key then only unlocks the disk (opsdeck works either way).',
      );
      if (ctx.offeredKeys.length) {
        const mine = parsed.keys.find((k) => ctx.offeredKeys.some((o) => o.blob.equals(k.blob)));
        if (mine) add('your-key', 'your key', 'pass', `${ctx.offeredKeys.find((o) => o.blob.equals(mine.blob))!.file} is on line ${mine.line}`);
        else add('your-key', 'your key', 'fail', `none of opsdeck's keys for the initramfs (${ctx.offeredKeys.map((o) => o.file).join(', ')}) is in ${ak.path}`, 'Add your public key (with the restrictions) or set unlock.identityFile in the profile to a key that is there.');
      }
    }
  }

  // 4. The boot image.
  const img = facts.image;
  if (img.status === 'missing') add('initramfs', 'initramfs image', 'fail', `${img.path} does not exist`, 'Is this the kernel the server boots? update-initramfs -u builds the image.');
  else if (img.status === 'no-tool') add('initramfs', 'initramfs image', 'warn', 'lsinitramfs is not installed (package initramfs-tools): cannot see inside the image');
  else if (img.status === 'denied') add('initramfs', 'initramfs image', 'warn', `${img.path} cannot be read`, unreadable('the image', img.path, facts));
  else if (img.status === 'error') add('initramfs', 'initramfs image', 'warn', `lsinitramfs ${img.path}: ${img.detail ?? 'failed'}`);
  else {
    const c = analyseListing(img.listing ?? []);
    const missing = [!c.dropbear && 'dropbear', !c.authorizedKeys && 'authorized_keys', c.hostKeys.length === 0 && 'host keys', !c.cryptrootUnlock && 'cryptroot-unlock'].filter((x): x is string => typeof x === 'string');
    add('initramfs', 'initramfs image', missing.length ? 'fail' : 'pass', missing.length ? `${img.path} lacks ${missing.join(', ')}` : `${img.path} has dropbear, authorized_keys, ${c.hostKeys.join(', ')} and cryptroot-unlock`, missing.length ? 'Run update-initramfs -u after installing and configuring dropbear-initramfs (and cryptsetup-initramfs).' : undefined);
  }
  if (img.mtime !== undefined) {
    const changed = newerThanImage(img.mtime, [
      ...(cfg?.read.status === 'ok' ? [{ path: cfg.path, mtime: cfg.read.mtime }] : []),
      ...(ak.read.status === 'ok' ? [{ path: ak.path, mtime: ak.read.mtime }] : []),
    ]);
    if (changed.length) add('initramfs-stale', 'initramfs up to date', 'warn', `${changed.join(' and ')} changed after ${img.path} was built`, 'Run update-initramfs -u: the image still has the old settings.');
  }

  // 5. Network in the initramfs.
  const cmdIp = facts.network.cmdline !== undefined ? ipFromCmdline(facts.network.cmdline) : undefined;
  const confIp = [...facts.network.assignments].reverse().find((a) => a.name === 'IP');
  const grubIp = facts.network.grubCmdline !== undefined ? ipFromCmdline(facts.network.grubCmdline) : undefined;
  if (cmdIp !== undefined) {
    const setting = parseIpSetting(cmdIp);
    add('network', 'network', setting.kind === 'off' ? 'fail' : 'pass', `kernel parameter ip=: ${describeSetting(setting)}`, setting.kind === 'off' ? 'ip=off leaves Dropbear unreachable.' : undefined);
  } else if (confIp) {
    const setting = parseIpSetting(confIp.value);
    add('network', 'network', setting.kind === 'off' ? 'fail' : 'pass', `${confIp.file}: IP=${describeSetting(setting)}`, setting.kind === 'off' ? 'IP=off leaves Dropbear unreachable.' : undefined);
  } else {
    add('network', 'network', 'warn', 'no ip= kernel parameter and no IP= in initramfs-tools: the initramfs tries DHCP on every interface', 'Fine where the provider runs DHCP; with static addresses only, set IP=address::gateway:netmask::interface:off in /etc/initramfs-tools/initramfs.conf, then update-initramfs -u.');
  }
  if (grubIp !== undefined && cmdIp === undefined) add('network-grub', 'network (GRUB)', 'warn', `/etc/default/grub sets ip=${grubIp}, but the running kernel was not booted with it`, 'Run update-grub so the next boot uses it.');

  // 6. Dropbear's host keys and the initramfs known_hosts.
  const hostKeys: DropbearHostKey[] = [];
  for (const k of facts.hostKeys) {
    if (k.status !== 'ok') continue;
    const fingerprint = fingerprintSHA256(k.blob);
    let pin: PinState = 'no-endpoint';
    let where: string | undefined;
    if (ctx.endpoint) {
      const v = checkHostKey(ctx.knownHosts, ctx.endpoint.lookupName, k.blob);
      if (v.status === 'known') {
        pin = 'pinned';
        where = `${v.entry.file} line ${v.entry.line}`;
      } else if (v.status === 'changed') {
        pin = 'changed';
        where = v.expected.map((e) => `${e.file} line ${e.line}`).join(', ');
      } else if (v.status === 'revoked') {
        pin = 'revoked';
        where = `${v.entry.file} line ${v.entry.line}`;
      } else pin = 'unknown';
    }
    hostKeys.push({ file: k.file, keyType: k.keyType, blob: k.blob, fingerprint, pin, ...(where ? { where } : {}) });
  }
  const unreadableKeys = facts.hostKeys.filter((k) => k.status !== 'ok');
  if (hostKeys.length === 0) {
    if (unreadableKeys.length) add('host-key', 'Dropbear host key', 'warn', unreadableKeys.map((k) => `${k.file}: ${'detail' in k ? k.detail : ''}`).join('; '), facts.privileged === 'none' ? unreadable('the host key', unreadableKeys[0]!.file, facts) : undefined);
    else add('host-key', 'Dropbear host key', 'fail', facts.hostKeyListing === 'denied' ? `${dir.path} cannot be listed` : `no dropbear_*_host_key in ${dir.path}`, 'dropbear-initramfs creates them on install (or: dropbearkey -t ed25519 -f DIR/dropbear_ed25519_host_key), then update-initramfs -u.');
  } else {
    for (const k of hostKeys) {
      const label = `${k.keyType} ${k.fingerprint}`;
      if (k.pin === 'pinned') add('host-key', 'Dropbear host key', 'pass', `${label} is pinned (${k.where})`);
      else if (k.pin === 'unknown') add('host-key', 'Dropbear host key', 'warn', `${label} is not in ${ctx.endpoint!.knownHostsFile}: the first unlock would have to trust it blindly`, "Pin it now, while the server can be trusted through its normal key: 'opsdeck unlock check --pin'.");
      else if (k.pin === 'changed') add('host-key', 'Dropbear host key', 'fail', `${label} differs from the key pinned for ${ctx.endpoint!.lookupName} (${k.where})`, `If the initramfs keys were regenerated on purpose, remove the old line (ssh-keygen -R '${ctx.endpoint!.lookupName}' -f ${ctx.endpoint!.knownHostsFile}) and pin again.`);
      else if (k.pin === 'revoked') add('host-key', 'Dropbear host key', 'fail', `${label} is marked @revoked (${k.where})`);
      else add('host-key', 'Dropbear host key', 'info', label);
    }
  }

  return { label: ctx.label, items, hostKeys, ok: !items.some((i) => i.status === 'fail') };
}
