import { describe, expect, it } from 'vitest';
import { parseKnownHosts } from '../../src/config/known-hosts.js';
import { forcedCommand, missingRestrictions, parseAuthorizedKeys, restrictLine } from '../../src/unlock/check/authorized-keys.js';
import type { CheckFacts } from '../../src/unlock/check/check-facts.js';
import { hardenedWords, listenPort, listenPorts, parseDropbearOptions, splitWords } from '../../src/unlock/check/dropbear-options.js';
import { evaluateCheck, type CheckContext } from '../../src/unlock/check/evaluate-check.js';
import { lineDiff, planFix } from '../../src/unlock/check/fix-plan.js';
import { parseDropbearkeyOutput } from '../../src/unlock/check/gather-facts.js';
import { analyseListing, newerThanImage } from '../../src/unlock/check/initramfs-contents.js';
import { describeSetting, ipFromCmdline, parseIpSetting } from '../../src/unlock/check/initramfs-network.js';
import { lastAssignment, parseAssignments } from '../../src/unlock/check/shell-assignments.js';

// Two real ed25519 public keys (the lab's Dropbear host key and a client key).
const HOST_KEY_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAILnJ72TENFNwD4QhTSHJYwwoc14CePnFC6b8WzJNsd29';
const HOST_KEY_FP = 'SHA256:Y5G+LZvxgxAQs9CiiYV7i4lbI2+e2mDxIeW+QE3OT8M';
const CLIENT_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIJn/E8LxfI/69gGpQ5csnNT0DuBe4Y6MwSoo7dubyODv';
const OTHER_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIEwm661WabhH7gaXhKcwpVLv2M8Yzo116q1ELawdH4v2';

describe('shell assignments (dropbear.conf, initramfs.conf)', () => {
  it('reads quoted, bare and exported values; the last one wins', () => {
    const text = [
      '# DROPBEAR_OPTIONS="-p 22"',
      'DROPBEAR_OPTIONS="-I 60 -j -k -s -p 2222"',
      "IP='192.0.2.5::192.0.2.1:255.255.255.0::eth0:off'",
      'export DEVICE=eth0 # trailing comment',
      'DROPBEAR_OPTIONS="-s -p \\"4748\\""',
      'X=$(evil)',
    ].join('\n');
    const list = parseAssignments(text);
    expect(list.map((a) => a.name)).toEqual(['DROPBEAR_OPTIONS', 'IP', 'DEVICE', 'DROPBEAR_OPTIONS', 'X']);
    expect(list[1]!.value).toBe('192.0.2.5::192.0.2.1:255.255.255.0::eth0:off');
    expect(list[2]!.value).toBe('eth0');
    expect(lastAssignment(list, 'DROPBEAR_OPTIONS')).toMatchObject({ value: '-s -p "4748"', line: 5, dynamic: false });
    expect(lastAssignment(list, 'X')!.dynamic).toBe(true);
    expect(lastAssignment(list, 'NOPE')).toBeUndefined();
  });
});

describe('DROPBEAR_OPTIONS', () => {
  it("reads Debian's recommended line", () => {
    const o = parseDropbearOptions(splitWords('-I 60 -j -k -s -p 2222'));
    expect(o).toMatchObject({ listen: ['2222'], noPasswords: true, noLocalForwarding: true, noRemoteForwarding: true, idleTimeout: 60, unknown: [] });
  });

  it('reads grouped flags, attached values, addresses and a forced command', () => {
    const o = parseDropbearOptions(splitWords('-sjk -p0.0.0.0:4748 -p [::]:4748 -c cryptroot-unlock -I120'));
    expect(o.listen).toEqual(['0.0.0.0:4748', '[::]:4748']);
    expect(listenPorts(o)).toEqual([4748, 4748]);
    expect(o).toMatchObject({ noPasswords: true, noLocalForwarding: true, noRemoteForwarding: true, idleTimeout: 120, forcedCommand: 'cryptroot-unlock' });
  });

  it('defaults to port 22 and reports words it does not know', () => {
    const o = parseDropbearOptions(splitWords('-q stray'));
    expect(listenPorts(o)).toEqual([22]);
    expect(o.unknown).toEqual(['-q', 'stray']);
    expect(listenPort('nope')).toBeUndefined();
  });

  it('hardening adds only what is missing, and never changes a port that is set', () => {
    expect(hardenedWords([], 2222)).toEqual(['-I', '60', '-j', '-k', '-s', '-p', '2222']);
    expect(hardenedWords(splitWords('-p 4748 -s'), 2222)).toEqual(['-p', '4748', '-s', '-I', '60', '-j', '-k']);
    expect(hardenedWords(splitWords('-I 60 -j -k -s -p 2222'), 2222)).toEqual(splitWords('-I 60 -j -k -s -p 2222'));
  });
});

describe('authorized_keys', () => {
  const text = [
    `no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="/bin/cryptroot-unlock" ssh-ed25519 ${CLIENT_B64} me@laptop`,
    `ssh-ed25519 ${OTHER_B64} backup key`,
    `restrict,command="echo \\"a,b\\"" ssh-ed25519 ${HOST_KEY_B64}`,
    'garbage line',
    `from="192.0.2.0/24" ssh-ed25519 ${OTHER_B64}`,
  ].join('\n');

  it('parses options with quoted values holding commas and quotes', () => {
    const p = parseAuthorizedKeys(text);
    expect(p.keys.map((k) => k.line)).toEqual([1, 2, 3, 5]);
    expect(p.problems).toEqual(['line 4: not a public key']);
    expect(forcedCommand(p.keys[0]!)).toBe('/bin/cryptroot-unlock');
    expect(forcedCommand(p.keys[2]!)).toBe('echo "a,b"');
    expect(p.keys[1]!.comment).toBe('backup key');
    expect(p.keys[2]!.fingerprint).toBe(HOST_KEY_FP);
  });

  it('knows which restrictions each key lacks (restrict covers them all)', () => {
    const [a, b, c, d] = parseAuthorizedKeys(text).keys;
    expect(missingRestrictions(a!)).toEqual([]);
    expect(missingRestrictions(b!)).toEqual(['no-port-forwarding', 'no-agent-forwarding', 'no-x11-forwarding']);
    expect(missingRestrictions(c!)).toEqual([]);
    expect(restrictLine(`ssh-ed25519 ${OTHER_B64} backup key`, b!)).toBe(`no-port-forwarding,no-agent-forwarding,no-X11-forwarding ssh-ed25519 ${OTHER_B64} backup key`);
    expect(restrictLine(`from="192.0.2.0/24" ssh-ed25519 ${OTHER_B64}`, d!)).toBe(`no-port-forwarding,no-agent-forwarding,no-X11-forwarding,from="192.0.2.0/24" ssh-ed25519 ${OTHER_B64}`);
  });

  it('a key whose blob does not match its type is a problem, not a key', () => {
    expect(parseAuthorizedKeys(`ssh-rsa ${CLIENT_B64}`).problems).toEqual(['line 1: the key does not match its type ssh-rsa']);
  });
});

describe('initramfs contents and network', () => {
  it('finds dropbear, keys and cryptroot-unlock in an lsinitramfs listing', () => {
    const listing = ['usr/sbin/dropbear', 'root-a1b2c3/.ssh/authorized_keys', 'etc/dropbear/dropbear_ed25519_host_key', 'etc/dropbear/dropbear_rsa_host_key', 'usr/bin/cryptroot-unlock', 'etc/dropbear/config'];
    expect(analyseListing(listing)).toEqual({ dropbear: true, authorizedKeys: true, hostKeys: ['dropbear_ed25519_host_key', 'dropbear_rsa_host_key'], cryptrootUnlock: true, dropbearConfig: true });
    expect(analyseListing(['bin/busybox', 'usr/sbin/dropbearconvert'])).toMatchObject({ dropbear: false, authorizedKeys: false, hostKeys: [], cryptrootUnlock: false });
    expect(newerThanImage(100, [{ path: 'a', mtime: 101 }, { path: 'b', mtime: 99 }, { path: 'c', mtime: undefined }])).toEqual(['a']);
  });

  it('reads ip= and IP= forms', () => {
    expect(ipFromCmdline('BOOT_IMAGE=/vmlinuz ro ip=192.0.2.5::192.0.2.1:255.255.255.0:web-1:eth0:off quiet')).toBe('192.0.2.5::192.0.2.1:255.255.255.0:web-1:eth0:off');
    expect(ipFromCmdline('ro quiet -- ip=ignored')).toBeUndefined();
    expect(describeSetting(parseIpSetting('192.0.2.5::192.0.2.1:255.255.255.0:web-1:eth0:off'))).toBe('static 192.0.2.5/255.255.255.0 via 192.0.2.1 on eth0');
    expect(describeSetting(parseIpSetting(':::::eth0:dhcp'))).toBe('DHCP on eth0');
    expect(parseIpSetting('dhcp').kind).toBe('dhcp');
    expect(parseIpSetting('off').kind).toBe('off');
    expect(parseIpSetting('garbage').kind).toBe('unparsed');
  });

  it("reads dropbearkey -y's output", () => {
    const out = `Public key portion is:\nssh-ed25519 ${HOST_KEY_B64} root@web-1\nFingerprint: ${HOST_KEY_FP}\n`;
    const k = parseDropbearkeyOutput(out)!;
    expect(k.keyType).toBe('ssh-ed25519');
    expect(k.blob.toString('base64')).toBe(HOST_KEY_B64);
    expect(parseDropbearkeyOutput('Error: no such file')).toBeUndefined();
  });
});

function goodFacts(over: Partial<CheckFacts> = {}): CheckFacts {
  return {
    user: 'root',
    privileged: 'root',
    dpkg: { status: 'installed', version: '2022.83-1+deb12u1' },
    configDir: { path: '/etc/dropbear/initramfs', exists: true, fromProfile: false },
    config: { path: '/etc/dropbear/initramfs/dropbear.conf', read: { status: 'ok', text: '#DROPBEAR_OPTIONS=\nDROPBEAR_OPTIONS="-I 60 -j -k -s -p 2222"\n', mtime: 1000 } },
    authorizedKeys: {
      path: '/etc/dropbear/initramfs/authorized_keys',
      read: { status: 'ok', text: `no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="cryptroot-unlock" ssh-ed25519 ${CLIENT_B64} me\n`, mtime: 1000 },
    },
    hostKeys: [{ file: '/etc/dropbear/initramfs/dropbear_ed25519_host_key', status: 'ok', keyType: 'ssh-ed25519', blob: Buffer.from(HOST_KEY_B64, 'base64') }],
    hostKeyListing: 'ok',
    image: {
      path: '/boot/initrd.img-6.1.0-28-amd64',
      status: 'ok',
      mtime: 2000,
      listing: ['usr/sbin/dropbear', 'root-x/.ssh/authorized_keys', 'etc/dropbear/dropbear_ed25519_host_key', 'usr/bin/cryptroot-unlock'],
    },
    network: { cmdline: 'BOOT_IMAGE=/vmlinuz root=/dev/mapper/vg-root ro ip=203.0.113.7::203.0.113.1:255.255.255.0::eth0:off', assignments: [], grubCmdline: undefined },
    updateInitramfs: true,
    ...over,
  };
}

function ctx(over: Partial<CheckContext> = {}): CheckContext {
  return {
    label: 'web-1',
    endpoint: { host: '203.0.113.7', port: 2222, lookupName: '[203.0.113.7]:2222', knownHostsFile: '/home/me/.config/opsdeck/initramfs_known_hosts', command: 'cryptroot-unlock' },
    knownHosts: parseKnownHosts(`[203.0.113.7]:2222 ssh-ed25519 ${HOST_KEY_B64}\n`, '/kh').entries,
    offeredKeys: [{ file: '/home/me/.ssh/id_ed25519', blob: Buffer.from(CLIENT_B64, 'base64') }],
    ...over,
  };
}

const byId = (r: ReturnType<typeof evaluateCheck>, id: string) => r.items.filter((i) => i.id === id);

describe('judging a setup', () => {
  it('a complete Debian 12 setup passes every item, with the key pinned', () => {
    const r = evaluateCheck(goodFacts(), ctx());
    expect(r.ok).toBe(true);
    expect(r.items.filter((i) => i.status !== 'pass')).toEqual([]);
    expect(r.hostKeys).toEqual([expect.objectContaining({ fingerprint: HOST_KEY_FP, pin: 'pinned', where: '/kh line 1' })]);
    expect(byId(r, 'network')[0]!.detail).toBe('kernel parameter ip=: static 203.0.113.7/255.255.255.0 via 203.0.113.1 on eth0');
  });

  it('nothing installed (the lab host): package, config, keys and image all fail', () => {
    const r = evaluateCheck(
      goodFacts({
        user: 'deploy',
        privileged: 'none',
        dpkg: { status: 'not-installed' },
        configDir: { path: '/etc/dropbear/initramfs', exists: false, fromProfile: false },
        config: undefined,
        authorizedKeys: { path: '/etc/dropbear/initramfs/authorized_keys', read: { status: 'missing' } },
        hostKeys: [],
        hostKeyListing: 'missing',
        image: { path: '/boot/initrd.img-6.1', status: 'missing' },
        network: { cmdline: 'ro quiet', assignments: [], grubCmdline: undefined },
        updateInitramfs: false,
      }),
      ctx(),
    );
    expect(r.ok).toBe(false);
    const status = Object.fromEntries(r.items.map((i) => [i.id, i.status]));
    expect(status).toMatchObject({ package: 'fail', config: 'fail', 'authorized-keys': 'fail', initramfs: 'fail', network: 'warn', 'host-key': 'fail' });
    expect(byId(r, 'package')[0]!.hint).toContain('apt install dropbear-initramfs');
    expect(byId(r, 'network')[0]!.detail).toContain('tries DHCP');
  });

  it('flags a port mismatch, missing -s / -j -k, loose keys, a missing key of ours, and a stale image', () => {
    const r = evaluateCheck(
      goodFacts({
        config: { path: '/etc/dropbear-initramfs/config', read: { status: 'ok', text: 'DROPBEAR_OPTIONS="-p 4748"\n', mtime: 3000 } },
        authorizedKeys: { path: '/etc/dropbear-initramfs/authorized_keys', read: { status: 'ok', text: `ssh-ed25519 ${OTHER_B64} someone\n`, mtime: 1000 } },
      }),
      ctx(),
    );
    const st = (id: string) => byId(r, id)[0]!.status;
    expect(st('port')).toBe('fail');
    expect(byId(r, 'port')[0]!.detail).toBe('Dropbear listens on 4748, opsdeck knocks on 2222');
    expect(byId(r, 'port')[0]!.hint).toContain('"port": 4748');
    expect(st('no-passwords')).toBe('fail');
    expect(st('no-forwarding')).toBe('warn');
    expect(st('idle-timeout')).toBe('info');
    expect(st('key-restrictions')).toBe('warn');
    expect(st('forced-command')).toBe('info');
    expect(st('your-key')).toBe('fail');
    expect(st('initramfs-stale')).toBe('warn');
    expect(byId(r, 'initramfs-stale')[0]!.detail).toContain('/etc/dropbear-initramfs/config changed after');
  });

  it('an unknown Dropbear key is offered for pinning; a different pinned key is a failure', () => {
    const unknown = evaluateCheck(goodFacts(), ctx({ knownHosts: [] }));
    expect(unknown.hostKeys[0]!.pin).toBe('unknown');
    expect(byId(unknown, 'host-key')[0]).toMatchObject({ status: 'warn' });
    expect(byId(unknown, 'host-key')[0]!.hint).toContain('--pin');
    const changed = evaluateCheck(goodFacts(), ctx({ knownHosts: parseKnownHosts(`[203.0.113.7]:2222 ssh-ed25519 ${OTHER_B64}\n`, '/kh').entries }));
    expect(changed.hostKeys[0]!.pin).toBe('changed');
    expect(byId(changed, 'host-key')[0]).toMatchObject({ status: 'fail' });
  });

  it('root-only files unreadable by the login user are warnings that say how to fix it', () => {
    const r = evaluateCheck(
      goodFacts({
        user: 'deploy',
        privileged: 'none',
        authorizedKeys: { path: '/etc/dropbear/initramfs/authorized_keys', read: { status: 'denied' } },
        hostKeys: [{ file: '/etc/dropbear/initramfs/dropbear_ed25519_host_key', status: 'denied', detail: 'only root can read it' }],
        image: { path: '/boot/initrd.img-x', status: 'denied', mtime: 5 },
      }),
      ctx(),
    );
    expect(byId(r, 'authorized-keys')[0]).toMatchObject({ status: 'warn' });
    expect(byId(r, 'authorized-keys')[0]!.hint).toContain("deploy cannot sudo without a password");
    expect(byId(r, 'host-key')[0]).toMatchObject({ status: 'warn' });
    expect(byId(r, 'initramfs')[0]).toMatchObject({ status: 'warn' });
  });

  it('local mode (no endpoint) still judges the files, without pinning', () => {
    const r = evaluateCheck(goodFacts(), { label: 'local', knownHosts: [], offeredKeys: [] });
    expect(r.hostKeys[0]!.pin).toBe('no-endpoint');
    expect(byId(r, 'port')[0]!.status).toBe('pass');
  });

  it('server text in details is sanitised', () => {
    const r = evaluateCheck(goodFacts({ config: { path: '/etc/dropbear/initramfs/dropbear.conf', read: { status: 'error', detail: 'boom\u001b]52;c;ZXZpbA==\u0007' } } }), ctx());
    expect(byId(r, 'config')[0]!.detail).toBe('/etc/dropbear/initramfs/dropbear.conf: boom');
  });
});

describe('the fix plan', () => {
  it('adds the missing options in place and restrictions to loose keys, then update-initramfs -u', () => {
    const facts = goodFacts({
      config: { path: '/etc/dropbear/initramfs/dropbear.conf', read: { status: 'ok', text: '# comment\nDROPBEAR_OPTIONS="-p 4748"\nOTHER=1\n' } },
      authorizedKeys: { path: '/etc/dropbear/initramfs/authorized_keys', read: { status: 'ok', text: `# keys\nssh-ed25519 ${OTHER_B64} someone\n` } },
    });
    const plan = planFix(facts, 2222);
    expect(plan.kind).toBe('changes');
    if (plan.kind !== 'changes') return;
    expect(plan.files[0]).toEqual({
      path: '/etc/dropbear/initramfs/dropbear.conf',
      before: '# comment\nDROPBEAR_OPTIONS="-p 4748"\nOTHER=1\n',
      after: "# comment\nDROPBEAR_OPTIONS='-p 4748 -I 60 -j -k -s'\nOTHER=1\n",
      diff: ['-2: DROPBEAR_OPTIONS="-p 4748"', "+2: DROPBEAR_OPTIONS='-p 4748 -I 60 -j -k -s'"],
    });
    expect(plan.files[1]!.diff).toEqual([`-2: ssh-ed25519 ${OTHER_B64} someone`, `+2: no-port-forwarding,no-agent-forwarding,no-X11-forwarding ssh-ed25519 ${OTHER_B64} someone`]);
    expect(plan.commands).toEqual([['update-initramfs', '-u']]);
    // The new options read back as hardened.
    const reread = parseDropbearOptions(splitWords(lastAssignment(parseAssignments(plan.files[0]!.after), 'DROPBEAR_OPTIONS')!.value));
    expect(reread).toMatchObject({ noPasswords: true, noLocalForwarding: true, noRemoteForwarding: true, idleTimeout: 60, listen: ['4748'] });
  });

  it('creates dropbear.conf when the directory has none, with the profile port', () => {
    const plan = planFix(goodFacts({ config: undefined }), 4222);
    expect(plan.kind === 'changes' && plan.files[0]).toMatchObject({ path: '/etc/dropbear/initramfs/dropbear.conf', before: null, after: "DROPBEAR_OPTIONS='-I 60 -j -k -s -p 4222'\n" });
  });

  it('has nothing to do on a good setup, and refuses when it cannot do it right', () => {
    expect(planFix(goodFacts(), 2222)).toEqual({ kind: 'nothing-to-do' });
    expect(planFix(goodFacts({ dpkg: { status: 'not-installed' } }), 2222)).toMatchObject({ kind: 'cannot', reason: expect.stringContaining('not installed') });
    expect(planFix(goodFacts({ updateInitramfs: false }), 2222)).toMatchObject({ kind: 'cannot', reason: expect.stringContaining('update-initramfs') });
    expect(planFix(goodFacts({ user: 'deploy', privileged: 'none' }), 2222)).toMatchObject({ kind: 'cannot', reason: expect.stringContaining('cannot sudo') });
    const dyn = goodFacts({ config: { path: '/c', read: { status: 'ok', text: 'DROPBEAR_OPTIONS="$EXTRA -s"\n' } } });
    expect(planFix(dyn, 2222)).toMatchObject({ kind: 'cannot', reason: expect.stringContaining('shell expansions') });
  });

  it('line diffs show replaced and appended lines with numbers', () => {
    expect(lineDiff('a\nb\n', 'a\nB\nc\n')).toEqual(['-2: b', '+2: B', '+3: c']);
    expect(lineDiff(null, 'x\n')).toEqual(['+1: x']);
  });
});
