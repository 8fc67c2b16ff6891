import { describe, expect, it } from 'vitest';
import { describeTrace, dropInBlockers, hardeningMismatches, OPSDECK_SSHD_FILE, parseSshdT, renderDropIn, traceSettings } from '../../src/provision/sshd-config.js';

const MAIN = { path: '/etc/ssh/sshd_config', text: 'Include /etc/ssh/sshd_config.d/*.conf\n\nKbdInteractiveAuthentication no\nUsePAM yes\nPermitRootLogin yes\n' };
const CLOUD = { path: '/etc/ssh/sshd_config.d/50-cloud-init.conf', text: 'PasswordAuthentication yes\n' };

describe('sshd configuration as sshd reads it (first value wins)', () => {
  it('finds that 50-cloud-init.conf decides PasswordAuthentication before opsdeck writes anything', () => {
    const t = traceSettings(MAIN, [CLOUD]);
    const pw = t.settings.find((s) => s.keyword === 'PasswordAuthentication')!;
    expect(pw.winner).toMatchObject({ file: CLOUD.path, line: 1, value: 'yes' });
    expect(t.include.readsDropIns).toBe(true);
    expect(describeTrace(t.settings.find((s) => s.keyword === 'PermitRootLogin')!)).toBe('PermitRootLogin: yes (/etc/ssh/sshd_config line 5)');
  });

  it('with 00-opsdeck.conf in place ours wins and the later values are reported as ignored', () => {
    const t = traceSettings(MAIN, [CLOUD, { path: OPSDECK_SSHD_FILE, text: renderDropIn() }]);
    const pw = t.settings.find((s) => s.keyword === 'PasswordAuthentication')!;
    expect(pw.winner?.file).toBe(OPSDECK_SSHD_FILE);
    expect(describeTrace(pw)).toContain('ignored later: yes in /etc/ssh/sshd_config.d/50-cloud-init.conf line 1');
    expect(dropInBlockers(MAIN, [CLOUD])).toEqual([]);
  });

  it('names a drop-in that sorts before ours, a setting above the Include, a Match override, and a missing Include', () => {
    const early = { path: '/etc/ssh/sshd_config.d/00-aaa.conf', text: 'PasswordAuthentication yes\n' };
    expect(dropInBlockers(MAIN, [early, CLOUD])).toEqual([`PasswordAuthentication yes in ${early.path} line 1 is read before ${OPSDECK_SSHD_FILE} and would win`]);
    const above = { path: MAIN.path, text: 'PermitRootLogin yes\nInclude /etc/ssh/sshd_config.d/*.conf\n' };
    expect(dropInBlockers(above, [])[0]).toMatch(/PermitRootLogin yes in \/etc\/ssh\/sshd_config line 1/);
    const match = { path: MAIN.path, text: `${MAIN.text}Match User deploy\n  PasswordAuthentication yes\n` };
    expect(dropInBlockers(match, [])[0]).toMatch(/inside a Match block \(\/etc\/ssh\/sshd_config line 7\)/);
    expect(dropInBlockers({ path: MAIN.path, text: 'UsePAM yes\n' }, [])[0]).toMatch(/has no 'Include/);
  });

  it('reads sshd -T and lists what differs (ChallengeResponse is the old name, case does not matter)', () => {
    const m = parseSshdT('port 22\npasswordauthentication yes\nkbdinteractiveauthentication no\npermitrootlogin without-password\npubkeyauthentication yes\n');
    expect(hardeningMismatches(m)).toEqual([
      { keyword: 'PasswordAuthentication', want: 'no', got: 'yes' },
      { keyword: 'PermitRootLogin', want: 'no', got: 'without-password' },
    ]);
    const t = traceSettings({ path: MAIN.path, text: 'Include /etc/ssh/sshd_config.d/*.conf\nChallengeResponseAuthentication yes\n' }, []);
    expect(t.settings.find((s) => s.keyword === 'KbdInteractiveAuthentication')!.winner?.value).toBe('yes');
  });
});
