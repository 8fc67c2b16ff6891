import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ConnectConfig } from 'ssh2';
import type Docker from 'dockerode';
import {
  fleetServerInfo,
  labContainers,
  labDocker,
  labExec,
  labServers,
  requireLab,
  resetUnlock,
  serverDocker,
  unlockState,
  whileServerSshdStopped,
  whileSshdStopped,
  writeFleetProfiles,
  type ExpectedContainer,
  type LabInfo,
  type LabServer,
} from '../lab/api.js';
import { execInContainer } from '../lab/docker-exec.js';
import { DOCKERD_NO_NETWORK } from '../lab/dockerd.js';
import { ProfileStore } from '../../src/config/profile-store.js';

// Proves the lab is the server it claims to be, through the same doors opsdeck will use: the
// Engine API on the lab's socket, OpenSSH with the deploy key, dropbear with the unlock key.
// No skipping: without a lab, requireLab() throws and every test here fails.

let lab: LabInfo;
let docker: Docker;

beforeAll(async () => {
  lab = await requireLab();
  docker = labDocker(lab);
});

const inspect = (name: string) => docker.getContainer(name).inspect();
const one = (role: string): ExpectedContainer => {
  const [c] = labContainers(role, lab);
  if (!c) throw new Error(`lab.json has no container with role ${role}`);
  return c;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

describe('lab containers, seen through the lab socket', () => {
  it('holds about thirty containers: exactly those lab.json promises, grouped as Compose does', async () => {
    const list = await docker.listContainers({ all: true });
    const names = list.map((c) => c.Names[0]?.slice(1)).sort();
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(names.length).toBeLessThanOrEqual(35);
    expect(names).toEqual(lab.containers.map((c) => c.name).sort());

    const projects = new Set(list.map((c) => c.Labels['com.docker.compose.project'] ?? '(other)'));
    expect([...projects].sort()).toEqual(['(other)', 'blog', 'monitoring', 'shop']);
    expect(list.filter((c) => !c.Labels['com.docker.compose.project']).length).toBeGreaterThanOrEqual(2);
  });

  it('labels Compose containers like Compose v2 does, names them PROJECT-SERVICE-N', async () => {
    for (const expected of lab.containers.filter((c) => c.project)) {
      const info = await inspect(expected.name);
      const labels = info.Config.Labels;
      expect(labels['com.docker.compose.project']).toBe(expected.project);
      expect(labels['com.docker.compose.service']).toBe(expected.service);
      expect(labels['com.docker.compose.container-number']).toBe(String(expected.number));
      expect(labels['com.docker.compose.oneoff']).toBe(expected.oneoff ? 'True' : 'False');
      expect(labels['com.docker.compose.project.working_dir']).toBe(`/srv/${expected.project}`);
      expect(info.Config.Image).toBe(expected.image);
      if (!expected.oneoff) expect(expected.name).toBe(`${expected.project}-${expected.service}-${expected.number}`);
    }
    const oneoff = one('one-off');
    expect(oneoff.name).toMatch(/^shop-api-run-[0-9a-f]{12}$/);
    expect((await inspect('shop-api-1')).Config.Labels['com.docker.compose.oneoff']).toBe('False');
  });

  it('uses real-looking image tags, one of them :latest', () => {
    const tags = lab.containers.map((c) => c.image);
    expect(tags).toContain('grafana/grafana:latest');
    expect(tags).toContain('postgres:15');
    expect(tags.filter((t) => t.endsWith(':latest'))).toHaveLength(1);
  });

  it('runs the services it promises healthy, and they are', async () => {
    const healthy = lab.containers.filter((c) => c.expect.state === 'running' && c.expect.health === 'healthy');
    expect(healthy.length).toBeGreaterThan(15);
    for (const c of healthy) {
      const info = await inspect(c.name);
      expect(info.State.Running, c.name).toBe(true);
      expect(info.State.Health?.Status, c.name).toBe('healthy');
    }
  });

  it('has an unhealthy service whose health log says why', async () => {
    const info = await inspect(one('unhealthy').name);
    expect(info.State.Running).toBe(true);
    expect(info.State.Health?.Status).toBe('unhealthy');
    expect(info.State.Health?.FailingStreak).toBeGreaterThanOrEqual(3);
    expect(info.State.Health?.Log.at(-1)?.Output).toContain('Connection refused');
  });

  it('has a crash-looping service whose RestartCount keeps climbing', async () => {
    const name = one('crash-loop').name;
    const first = await inspect(name);
    expect(first.HostConfig.RestartPolicy?.Name).toMatch(/^(always|on-failure|unless-stopped)$/);
    expect(first.RestartCount).toBeGreaterThanOrEqual(1);
    const climbed = await waitUntil('RestartCount to climb', 40_000, async () => {
      const now = await inspect(name);
      return now.RestartCount > first.RestartCount ? now.RestartCount : undefined;
    });
    expect(climbed).toBeGreaterThan(first.RestartCount);
    expect(first.State.ExitCode === 1 || first.State.Running).toBe(true);
  }, 60_000);

  it('has a job that exited non-zero and one service stopped cleanly', async () => {
    const failed = await inspect(one('exited-nonzero').name);
    expect(failed.State.Status).toBe('exited');
    expect(failed.State.ExitCode).toBe(2);
    const stopped = await inspect(one('stopped').name);
    expect(stopped.State.Status).toBe('exited');
    expect(stopped.State.ExitCode).toBe(0);
  });

  it('sets memory and CPU limits like the seeds, except on one service', async () => {
    const api = await inspect('shop-api-1');
    expect(api.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(api.HostConfig.NanoCpus).toBe(1_000_000_000);
    const web = await inspect('shop-web-2');
    expect(web.HostConfig.Memory).toBe(512 * 1024 * 1024);
    const unlimited = await inspect(one('no-memory-limit').name);
    expect(unlimited.Config.Labels['com.docker.compose.project']).toBe('shop');
    expect(unlimited.HostConfig.Memory).toBe(0);
  });

  it('publishes a database port on 0.0.0.0 in config only, and caddy on 80/443', async () => {
    const exposed = await inspect(one('db-port-exposed').name);
    expect(exposed.HostConfig.PortBindings).toEqual({ '6379/tcp': [{ HostIp: '0.0.0.0', HostPort: '6379' }] });
    // No container network: nothing is really bound on the host.
    expect(Object.values(exposed.NetworkSettings.Ports ?? {}).filter(Boolean)).toEqual([]);

    const caddy = await inspect(one('reverse-proxy').name);
    const bindings = caddy.HostConfig.PortBindings as Record<string, Array<{ HostIp: string; HostPort: string }>>;
    expect(bindings['80/tcp']?.[0]?.HostPort).toBe('80');
    expect(bindings['443/tcp']?.[0]?.HostPort).toBe('443');
    expect(['', '0.0.0.0']).toContain(bindings['80/tcp']?.[0]?.HostIp);

    const postgres = await inspect(lab.postgres.container);
    expect(Object.keys(postgres.HostConfig.PortBindings ?? {})).toEqual([]);
  });

  it('writes JSON log lines from the API with time, level, event, request_id and msg', async () => {
    const seen = await waitUntil('a stripe.webhook line and an error line', 30_000, async () => {
      const raw = (await docker.getContainer('shop-api-1').logs({ stdout: true, stderr: true, tail: 400 })) as Buffer;
      const lines = demux(raw)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, string>);
      const ok = lines.some((l) => l.event === 'stripe.webhook') && lines.some((l) => l.level === 'error');
      return ok ? lines : undefined;
    });
    for (const line of seen) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(['time', 'level', 'event', 'request_id', 'msg']));
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(line.request_id).toMatch(/^[0-9a-f]{16}$/);
    }
  }, 40_000);

  it('has a container printing hostile terminal output, with a 200 KB line', async () => {
    const raw = (await docker.getContainer(one('hostile-output').name).logs({ stdout: true, stderr: true })) as Buffer;
    const text = demux(raw);
    expect(text).toContain('\x1b]52;c;');
    expect(text).toContain('\x1b]0;');
    expect(text).toContain('\x1b[2J');
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeGreaterThanOrEqual(200_000);
  });
});

/** Docker's multiplexed log stream (8-byte frame headers) to text. */
function demux(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts).toString('latin1');
}

describe('PostgreSQL 15 in shop-postgres-1', () => {
  it('answers queries and holds the seed data', async () => {
    const counts = await labExec(lab.postgres.container, [
      'psql', '-U', lab.postgres.user, '-d', lab.postgres.database, '-tA', '-F', '=',
      '-c', 'SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders), (SELECT count(*) FROM order_items), version()',
    ]);
    expect(counts.stderr).toBe('');
    expect(counts.code).toBe(0);
    const [customers, orders, items, version] = counts.stdout.trim().split('=');
    expect(Number(customers)).toBe(lab.postgres.rows.customers);
    expect(Number(orders)).toBe(lab.postgres.rows.orders);
    expect(Number(items)).toBe(lab.postgres.rows.order_items);
    expect(version).toMatch(/^PostgreSQL 15\./);
  });

  it('is checked with pg_isready and keeps the official image contract (password over TCP)', async () => {
    const info = await inspect(lab.postgres.container);
    expect(info.Config.Healthcheck?.Test?.join(' ')).toContain('pg_isready');
    expect(info.State.Health?.Status).toBe('healthy');
    // Through env, not argv: the password must not show up in ps.
    const sql = ['psql', '-h', '127.0.0.1', '-U', lab.postgres.user, '-d', lab.postgres.database, '-tAc', 'SELECT 42'];
    const good = await labExec(lab.postgres.container, sql, { env: [`PGPASSWORD=${lab.postgres.password}`] });
    expect(good.stdout.trim()).toBe('42');
    const bad = await labExec(lab.postgres.container, sql, { env: ['PGPASSWORD=wrong'] });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('password authentication failed');
  });

  it('runs the server as PID 1, as the postgres user', async () => {
    const pid1 = await labExec(lab.postgres.container, ['sh', '-c', 'tr "\\0" " " </proc/1/cmdline; echo; stat -c %U /proc/1']);
    const [cmd, user] = pid1.stdout.trim().split('\n');
    expect(cmd).toMatch(/^postgres -D /);
    expect(user).toBe('postgres');
  });
});

function sshExec(
  config: ConnectConfig,
  command: string,
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    conn
      .on('ready', () => {
        conn.exec(command, (err, stream) => {
          if (err) return reject(err);
          let stdout = '';
          let stderr = '';
          let code: number | null = null;
          stream.on('data', (d: Buffer) => (stdout += d.toString()));
          stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          stream.on('exit', (c: number | null) => (code = c));
          stream.on('close', () => {
            conn.end();
            resolve({ code, stdout, stderr });
          });
          if (input !== undefined) stream.end(input);
        });
      })
      .on('error', reject)
      .connect(config);
  });
}

/** Accept only the host key fingerprints lab.json lists (ssh2 accepts any key without a verifier). */
function pinned(fingerprints: string[]): ConnectConfig['hostVerifier'] {
  return (key: Buffer) => fingerprints.includes(`SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`);
}

describe('OpenSSH sshd on 127.0.0.1', () => {
  const deploy = (): ConnectConfig => ({
    host: lab.sshd.host,
    port: lab.sshd.port,
    username: lab.sshd.user,
    privateKey: readFileSync(lab.sshd.privateKeyPath),
    hostVerifier: pinned(lab.sshd.hostKeys.map((k) => k.fingerprint)),
    readyTimeout: 10_000,
  });

  it('accepts the deploy key, and the deploy user is in group docker with DOCKER_HOST set', async () => {
    const result = await sshExec(deploy(), 'id -nG; echo "$DOCKER_HOST"');
    expect(result.code).toBe(0);
    const [groups, dockerHost] = result.stdout.trim().split('\n');
    expect(groups?.split(' ')).toContain('docker');
    expect(dockerHost).toBe(lab.docker.host);
  });

  it('refuses a password', async () => {
    const attempt = sshExec({ host: lab.sshd.host, port: lab.sshd.port, username: lab.sshd.user, password: 'hunter2', readyTimeout: 10_000 }, 'true');
    await expect(attempt).rejects.toThrow(/authentication methods failed/i);
  });

  it('forwards a stream-local channel to the Docker socket (how opsdeck reaches the API)', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const conn = new Client();
      conn
        .on('ready', () => {
          conn.openssh_forwardOutStreamLocal(lab.docker.socketPath, (err, channel) => {
            if (err) return reject(err);
            let data = '';
            channel.on('data', (d: Buffer) => (data += d.toString()));
            channel.on('close', () => {
              conn.end();
              resolve(data);
            });
            channel.end('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n');
          });
        })
        .on('error', reject)
        .connect(deploy());
    });
    expect(body).toMatch(/^HTTP\/1\.[01] 200/);
    expect(body.trimEnd().endsWith('OK')).toBe(true);
  });

  it('works with the system ssh and the lab ssh_config, host key checked strictly', async () => {
    const { stdout } = await execFileText('ssh', ['-F', lab.sshd.sshConfigPath, lab.sshd.hostAlias, 'docker', '-H', lab.docker.host, 'ps', '-a', '-q']);
    expect(stdout.trim().split('\n')).toHaveLength(lab.containers.length);
  });

  it('can be stopped and started for reconnect tests, and requireLab() notices', async () => {
    await whileSshdStopped(async () => {
      await expect(requireLab()).rejects.toThrow('lab is not up: run npm run lab -- up (sshd not running)');
    });
    await expect(requireLab()).resolves.toMatchObject({ sshd: { port: lab.sshd.port } });
    expect((await sshExec(deploy(), 'echo back')).stdout).toBe('back\n');
  });
});

function execFileText(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

describe('dropbear initramfs stand-in and cryptroot-unlock', () => {
  const unlock = (): ConnectConfig => ({
    host: lab.dropbear.host,
    port: lab.dropbear.port,
    username: lab.dropbear.user,
    privateKey: readFileSync(lab.dropbear.privateKeyPath),
    hostVerifier: pinned(lab.dropbear.hostKeys.map((k) => k.fingerprint)),
    readyTimeout: 10_000,
  });
  const DEV = 'nvme0n1p3_crypt';

  it('answers with a dropbear banner', async () => {
    const banner = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: lab.dropbear.host, port: lab.dropbear.port });
      socket.once('data', (d: Buffer) => {
        socket.destroy();
        resolve(d.toString('latin1'));
      });
      socket.once('error', reject);
    });
    expect(banner).toMatch(/^SSH-2\.0-dropbear/);
  });

  it('keeps Debian\'s contract: wrong passphrase, right one, then nothing left', async () => {
    await resetUnlock();
    const wrong = await sshExec(unlock(), 'cryptroot-unlock', 'not the passphrase');
    expect(wrong.stdout).toBe(`Please unlock disk ${DEV}\n`);
    expect(wrong.stderr).toBe('cryptsetup: cryptsetup failed, bad password or options?\n');
    expect(wrong.code).toBe(1);

    const right = await sshExec(unlock(), 'cryptroot-unlock', lab.dropbear.passphrase);
    expect(right.stdout).toBe(`Please unlock disk ${DEV}\n`);
    expect(right.stderr).toBe(`cryptsetup: ${DEV} set up successfully\n`);
    expect(right.code).toBe(0);

    const done = await sshExec(unlock(), 'cryptroot-unlock', '');
    expect(done).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(unlockState().locked).toEqual([]);
  });

  it('takes the passphrase byte for byte: a trailing newline makes it wrong', async () => {
    await resetUnlock();
    const withNewline = await sshExec(unlock(), 'cryptroot-unlock', `${lab.dropbear.passphrase}\n`);
    expect(withNewline.code).toBe(1);
  });

  it('gives up after three tries, then times out waiting for askpass', async () => {
    await resetUnlock({ askpassTimeoutS: 1 });
    for (const attempt of [1, 2]) {
      const r = await sshExec(unlock(), 'cryptroot-unlock', `wrong ${attempt}`);
      expect(r.stderr).toBe('cryptsetup: cryptsetup failed, bad password or options?\n');
    }
    const last = await sshExec(unlock(), 'cryptroot-unlock', 'wrong 3');
    expect(last.stderr).toBe(`cryptsetup: maximum number of tries exceeded for ${DEV}\n`);
    expect(last.code).toBe(1);
    const after = await sshExec(unlock(), 'cryptroot-unlock', lab.dropbear.passphrase);
    expect(after.stderr).toBe('Error: Timeout reached while waiting for askpass.\n');
    expect(after.code).toBe(1);
  });

  it('says "Try again later" while the initramfs is not ready, and unlocks one device per call', async () => {
    await resetUnlock({ devices: ['sda3_crypt', 'sdb1_crypt'], notReadyForS: 30 });
    const early = await sshExec(unlock(), 'cryptroot-unlock', lab.dropbear.passphrase);
    expect(early).toEqual({ code: 1, stdout: '', stderr: 'Try again later\n' });

    await resetUnlock({ devices: ['sda3_crypt', 'sdb1_crypt'] });
    const first = await sshExec(unlock(), 'cryptroot-unlock', lab.dropbear.passphrase);
    expect(first.stdout).toBe('Please unlock disk sda3_crypt\n');
    expect(first.code).toBe(0);
    expect(unlockState().locked).toEqual(['sdb1_crypt']);
    const second = await sshExec(unlock(), 'cryptroot-unlock', lab.dropbear.passphrase);
    expect(second.stdout).toBe('Please unlock disk sdb1_crypt\n');
    expect(second.code).toBe(0);
    await resetUnlock();
  });

  it('prompts on a TTY without echo and loops until the disk is unlocked', async () => {
    await resetUnlock();
    const output = await new Promise<{ text: string; code: number | null }>((resolve, reject) => {
      const conn = new Client();
      conn
        .on('ready', () => {
          conn.exec('cryptroot-unlock', { pty: true }, (err, stream) => {
            if (err) return reject(err);
            let text = '';
            let code: number | null = null;
            let answered = 0;
            stream.on('data', (d: Buffer) => {
              text += d.toString();
              // Answer each prompt as it appears: first wrong, then right.
              const prompts = text.split(`Please unlock disk ${DEV}: `).length - 1;
              if (prompts > answered) {
                answered = prompts;
                stream.write(answered === 1 ? 'wrong\r' : `${lab.dropbear.passphrase}\r`);
              }
            });
            stream.on('exit', (c: number | null) => (code = c));
            stream.on('close', () => {
              conn.end();
              resolve({ text, code });
            });
          });
        })
        .on('error', reject)
        .connect(unlock());
    });
    expect(output.text).toContain('cryptsetup: cryptsetup failed, bad password or options?');
    expect(output.text).toContain(`cryptsetup: ${DEV} set up successfully`);
    expect(output.text).not.toContain('wrong');
    expect(output.text).not.toContain(lab.dropbear.passphrase);
    expect(output.code).toBe(0);
    await resetUnlock();
  });

  it('works with the system ssh and the lab ssh_config', async () => {
    await resetUnlock();
    const r = await execFileText('ssh', ['-F', lab.sshd.sshConfigPath, lab.dropbear.hostAlias, 'cryptroot-unlock'], lab.dropbear.passphrase);
    expect(r.stdout).toBe(`Please unlock disk ${DEV}\n`);
    expect(r.stderr).toContain(`cryptsetup: ${DEV} set up successfully`);
    expect(r.code).toBe(0);
    await resetUnlock();
  });
});

// ---------------------------------------------------------------------------------------------
// The fleet: db-1 and staging-1 beside web-1, each with its own dockerd, sshd and host keys.

describe('the fleet: web-1, db-1 and staging-1', () => {
  let servers: LabServer[];
  beforeAll(() => {
    servers = labServers(lab);
  });
  const server = (name: LabServer['name']) => servers.find((s) => s.name === name)!;
  const sshTo = (s: LabServer, fingerprints = s.hostKeyFingerprints): ConnectConfig => ({
    host: '127.0.0.1',
    port: s.port,
    username: lab.sshd.user,
    privateKey: readFileSync(lab.sshd.privateKeyPath),
    hostVerifier: pinned(fingerprints),
    readyTimeout: 10_000,
  });

  it('lists three servers, web-1 first, each with its own port, socket, alias and host keys', () => {
    expect(servers.map((s) => [s.name, s.role, s.environment, s.hostAlias])).toEqual([
      ['web-1', 'shop', 'production', 'opsdeck-lab'],
      ['db-1', 'database', 'production', 'opsdeck-lab-db'],
      ['staging-1', 'staging', 'staging', 'opsdeck-lab-staging'],
    ]);
    for (const key of ['port', 'socketPath', 'knownHostsPath'] as const) expect(new Set(servers.map((s) => s[key])).size).toBe(3);
    const fingerprints = servers.flatMap((s) => s.hostKeyFingerprints);
    expect(fingerprints).toHaveLength(6);
    expect(new Set(fingerprints).size).toBe(6);
    for (const s of servers) {
      expect(s.sshConfigPath).toBe(lab.sshd.sshConfigPath);
      expect(s.hostKeyFingerprints.every((f) => /^SHA256:[A-Za-z0-9+/]{43}$/.test(f))).toBe(true);
    }
    expect(server('db-1').port).toBe(Number(process.env.OPSDECK_LAB_DB_SSH_PORT || 22026));
    expect(server('staging-1').port).toBe(Number(process.env.OPSDECK_LAB_STAGING_SSH_PORT || 22027));
  });

  it('answers over SSH on each server with its own host key, and refuses another server\'s pin', async () => {
    for (const s of servers) {
      const result = await sshExec(sshTo(s), 'echo "$DOCKER_HOST"');
      expect(result.code, s.name).toBe(0);
      expect(result.stdout.trim(), s.name).toBe(`unix://${s.socketPath}`);
      // Pinned to the next server's keys: the key this one shows is refused before authentication.
      const other = servers[(servers.indexOf(s) + 1) % servers.length]!;
      await expect(sshExec(sshTo(s, other.hostKeyFingerprints), 'true'), s.name).rejects.toThrow(/verification failed/i);
    }
  });

  it('works with the system ssh, the lab ssh_config and each server\'s own known_hosts (strict)', async () => {
    for (const s of servers.slice(1)) {
      const r = await execFileText('ssh', ['-F', s.sshConfigPath, s.hostAlias, 'docker', 'ps', '-a', '--format', '{{.Names}}']);
      expect(r.code, `${s.name}: ${r.stderr}`).toBe(0);
      expect(r.stdout.trim().split('\n').sort()).toEqual(fleetServerInfo(s.name as 'db-1', lab).containers.map((c) => c.name).sort());
      expect(readFileSync(s.knownHostsPath, 'utf8')).toContain(`[127.0.0.1]:${s.port} `);
    }
    // db-1's port pinned to staging-1's keys: OpenSSH sees a changed host key and refuses.
    const dir = mkdtempSync(join(tmpdir(), 'lab-fleet-'));
    try {
      const db = server('db-1');
      const wrong = readFileSync(server('staging-1').knownHostsPath, 'utf8').replaceAll(`[127.0.0.1]:${server('staging-1').port}`, `[127.0.0.1]:${db.port}`);
      writeFileSync(join(dir, 'known_hosts'), wrong);
      const r = await execFileText('ssh', ['-F', db.sshConfigPath, '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, db.hostAlias, 'true']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs one dockerd per server, each with its own socket and data root, none with networking', async () => {
    const pids = new Set<number>();
    for (const s of servers) {
      const docker = serverDocker(s.name);
      const info = (await docker.info()) as { DockerRootDir: string; Name: string };
      pids.add(Number(readFileSync(s.name === 'web-1' ? join(lab.labDir, 'run', 'dockerd.pid') : join(lab.labDir, 'run', `dockerd-${s.name}.pid`), 'utf8')));
      if (s.name !== 'web-1') expect(info.DockerRootDir).toBe(fleetServerInfo(s.name, lab).docker.dataRoot);
      // --bridge=none: no bridge network exists, and a container sees only its own loopback.
      const networks = (await docker.listNetworks()).map((n) => n.Name).sort();
      expect(networks, s.name).toEqual(['host', 'none']);
      const [first] = await docker.listContainers({ filters: { status: ['running'] } });
      const dev = await execInContainer(docker, first!.Id, ['cat', '/proc/net/dev']);
      const interfaces = dev.stdout.trim().split('\n').slice(2).map((l) => l.split(':')[0]?.trim());
      expect(interfaces, s.name).toEqual(['lo']);
    }
    expect(pids.size).toBe(3);
    for (const pid of pids) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      for (const flag of DOCKERD_NO_NETWORK) expect(argv).toContain(flag);
    }
  });

  it('db-1 runs PostgreSQL only: healthy, memory-limited, Compose project db, the shop data in it', async () => {
    const db = fleetServerInfo('db-1', lab);
    const docker = serverDocker('db-1');
    const list = await docker.listContainers({ all: true });
    expect(list.map((c) => c.Names[0]?.slice(1))).toEqual([db.postgres!.container]);
    const info = await docker.getContainer(db.postgres!.container).inspect();
    expect(info.Config.Labels['com.docker.compose.project']).toBe('db');
    expect(info.Config.Labels['com.docker.compose.service']).toBe('postgres');
    expect(info.Config.Image).toBe('postgres:15');
    expect(info.State.Health?.Status).toBe('healthy');
    expect(info.HostConfig.Memory).toBeGreaterThan(0);
    expect(info.Mounts.find((m) => m.Type === 'volume')?.Name).toBe(db.postgres!.volume);
    const counts = await execInContainer(docker, db.postgres!.container, [
      'psql', '-U', db.postgres!.user, '-d', db.postgres!.database, '-tAc', 'SELECT count(*) FROM orders',
    ]);
    expect(counts.stdout.trim()).toBe(String(db.postgres!.rows.orders));
    // The same image web-1's Engine built, copied over: same id.
    expect(db.images['postgres:15']).toBe(lab.images['postgres:15']);
  });

  it('staging-1 runs a staging copy of the shop: proxy, web x2, api, worker, all healthy with memory limits', async () => {
    const staging = fleetServerInfo('staging-1', lab);
    const docker = serverDocker('staging-1');
    const list = await docker.listContainers({ all: true });
    expect(list.map((c) => c.Names[0]?.slice(1)).sort()).toEqual(staging.containers.map((c) => c.name).sort());
    const services = list.map((c) => c.Labels['com.docker.compose.service']).sort();
    expect(services).toEqual(['api', 'proxy', 'web', 'web', 'worker']);
    for (const c of list) {
      const info = await docker.getContainer(c.Id).inspect();
      expect(info.Config.Labels['com.docker.compose.project'], info.Name).toBe('shop');
      expect(info.State.Health?.Status, info.Name).toBe('healthy');
      expect(info.HostConfig.Memory, info.Name).toBeGreaterThan(0);
      expect(info.Config.Env, info.Name).not.toContain('NODE_ENV=production');
    }
  });

  it('SetEnv makes `docker` over SSH reach that server\'s own Engine (ssh, and docker -H ssh://)', async () => {
    const env = { ...process.env, PATH: `${lab.sshd.sshWrapperDir}:${process.env.PATH}` };
    for (const s of servers) {
      const names = (await new Promise<string>((resolve, reject) => {
        execFile('docker', ['-H', `ssh://${s.hostAlias}`, 'ps', '-a', '--format', '{{.Names}}'], { env, timeout: 30_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${s.name}: ${stderr}`)) : resolve(stdout),
        );
      })).trim().split('\n').sort();
      const local = (await serverDocker(s.name).listContainers({ all: true })).map((c) => c.Names[0]!.slice(1)).sort();
      expect(names, s.name).toEqual(local);
    }
  });

  it('stops and starts one server\'s sshd while the others answer, and requireLab() notices', async () => {
    const db = server('db-1');
    await whileServerSshdStopped('db-1', async () => {
      await expect(requireLab()).rejects.toThrow('lab is not up: run npm run lab -- up (db-1 sshd not running)');
      await expect(sshExec(sshTo(db), 'true')).rejects.toThrow(/ECONNREFUSED/);
      expect((await sshExec(sshTo(server('staging-1')), 'echo up')).stdout).toBe('up\n');
      // Its Engine keeps running: only the door is shut.
      expect(await serverDocker('db-1').ping()).toBeTruthy();
    });
    await expect(requireLab()).resolves.toMatchObject({ schema: 2 });
    expect((await sshExec(sshTo(db), 'echo back')).stdout).toBe('back\n');
  });

  it('writes a profile store opsdeck reads: the three servers in group shop, with colours and environments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-fleet-'));
    try {
      const path = writeFleetProfiles(join(dir, 'profiles.json'));
      const store = ProfileStore.open({ configPath: path });
      const profiles = store.list();
      expect(profiles.map((p) => [p.name, p.group, p.environment, p.colour, p.ssh?.host, p.socket])).toEqual(
        servers.map((s) => [s.name, 'shop', s.environment, { 'web-1': 'red', 'db-1': 'magenta', 'staging-1': 'yellow' }[s.name], s.hostAlias, s.socketPath]).sort(),
      );
      const readonly = ProfileStore.open({ configPath: writeFleetProfiles(join(dir, 'ro.json'), { group: 'lab', extra: { readonly: true }, servers: { 'db-1': null } }) });
      expect(readonly.list().map((p) => [p.name, p.group, p.readonly])).toEqual([
        ['staging-1', 'lab', true],
        ['web-1', 'lab', true],
      ]);
      expect(() => writeFleetProfiles(join(dir, 'bad.json'), { extra: { colour: 'plaid' } })).toThrow(/opsdeck would refuse/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
