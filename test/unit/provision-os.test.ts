import { describe, expect, it } from 'vitest';
import { judgeOs, parseOsRelease } from '../../src/provision/os-release.js';
import { judgeDocker, dockerInstallCommands, parseDpkgList } from '../../src/provision/docker-install.js';
import { parseSshdMode, reloadCommand } from '../../src/provision/sshd-service.js';

const os = (id: string, v: string, code = '') => parseOsRelease(`PRETTY_NAME="${id} ${v}"\nID=${id}\nVERSION_ID="${v}"\nVERSION_CODENAME=${code}\n`);

describe('OS detection', () => {
  it('accepts Debian 12/13 and Ubuntu 22.04/24.04 and refuses others by name', () => {
    for (const [id, v] of [['debian', '12'], ['debian', '13'], ['ubuntu', '22.04'], ['ubuntu', '24.04']] as const) expect(judgeOs(os(id, v)).ok).toBe(true);
    expect(judgeOs(os('ubuntu', '20.04'))).toMatchObject({ ok: false, reason: 'ubuntu 20.04 is not supported: opsdeck provisions Debian 12 or 13, Ubuntu 22.04 or 24.04' });
    expect(judgeOs(parseOsRelease('ID=rocky\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3"\n'))).toMatchObject({ ok: false, reason: expect.stringContaining('Rocky Linux 9.3 (like rhel, centos, fedora) is not supported') });
  });
});

describe('Docker source and sshd reload', () => {
  it('says where Engine and compose come from', () => {
    const j = judgeDocker({ installed: parseDpkgList('docker.io 20.10.24 ii\ndocker-compose 1.29.2-3 ii\ndocker-ce  un\n'), composePlugin: undefined, composeStandalone: '1.29.2' });
    expect(j.engine).toEqual({ source: 'distribution', pkg: 'docker.io', version: '20.10.24' });
    expect(j.compose).toMatchObject({ kind: 'standalone-v1' });
    const d = judgeDocker({ installed: parseDpkgList('docker-ce 5:27.1 ii\ndocker-compose-plugin 2.29 ii\n'), composePlugin: '2.29.1', composeStandalone: undefined });
    expect(d.compose?.source).toBe("Docker's apt repository (docker-compose-plugin)");
    const v = judgeOs(os('debian', '12', 'bookworm'));
    if (!v.ok) throw new Error('bad');
    const plan = dockerInstallCommands(v, 'docker', 'amd64');
    expect(plan.commands.at(-1)).toContain('docker-compose-plugin');
    expect(plan.files[0]!.text).toContain('Suites: bookworm');
  });

  it('reloads the way sshd runs: systemd service, socket activation, a daemon, or per connection', () => {
    expect(reloadCommand(parseSshdMode('init systemd\nunit ssh.service active\nunit ssh.socket inactive\n').mode)).toEqual(['systemctl', 'reload', 'ssh.service']);
    expect(parseSshdMode('init systemd\nunit ssh.service inactive\nunit ssh.socket active\n').mode).toEqual({ kind: 'systemd-socket', unit: 'ssh.socket' });
    expect(reloadCommand(parseSshdMode('init none\npid 42\n').mode)).toEqual(['kill', '-HUP', '42']);
    const per = parseSshdMode('init none\n');
    expect(per).toEqual({ mode: { kind: 'per-connection' }, systemd: false });
    expect(reloadCommand(per.mode)).toBeNull();
  });
});
