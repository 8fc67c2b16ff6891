/**
 * Compose labels chosen by whoever starts a container, against the lab's real dockerd over its
 * real sshd: recreate must refuse a label that is not plainly a name, with one line, before any
 * command is sent to the server, and the container must be left as it was.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDocker, requireLab, type LabInfo } from '../lab/api.js';
import { connect, type ServerConnection } from '../../src/transport/connection.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { GridStore } from '../../src/model/grid-store.js';
import { runAction, type ActionSource } from '../../src/docker/service-actions.js';
import { actionTarget } from '../../src/session/session-store.js';

let info: LabInfo;
let conn: ServerConnection;
const PROJECT = `opsdeck-hostile-${randomBytes(3).toString('hex')}`;
const created: string[] = [];

const CASES: { name: string; labels: Record<string, string>; service: string; says: RegExp }[] = [
  { name: 'a service labelled -V', labels: { 'com.docker.compose.service': '-V' }, service: '-V', says: /refusing the compose service label '-V' from the server: it begins with "-"/ },
  { name: 'a service that is shell text', labels: { 'com.docker.compose.service': '$(touch /tmp/pwned)' }, service: '$(touch /tmp/pwned)', says: /refusing the compose service label '\$\(touch \/tmp\/pwned\)'/ },
  // Sanitised for the screen this reads "web", another service's name: the raw label is what is checked.
  { name: 'a service with an escape sequence in it', labels: { 'com.docker.compose.service': 'we\u001b[0mb' }, service: 'web', says: /contains control or invisible characters/ },
  { name: 'a working_dir labelled -V', labels: { 'com.docker.compose.service': 'plain', 'com.docker.compose.project.working_dir': '-V' }, service: 'plain', says: /refusing the compose working_dir label '-V'/ },
  { name: 'a config file that is an option', labels: { 'com.docker.compose.service': 'files', 'com.docker.compose.project.config_files': '/srv/a.yml,--env-file=/etc/shadow' }, service: 'files', says: /refusing the compose config file '--env-file=\/etc\/shadow'/ },
];

beforeAll(async () => {
  info = await requireLab();
  const target = await resolveTarget({ 'ssh-config': info.sshd.sshConfigPath, host: info.sshd.hostAlias, socket: info.docker.socketPath }, process.env, { systemSshConfig: null });
  conn = await connect(target, refusingPrompter);
  const docker = labDocker(info);
  for (const c of CASES) {
    const ctr = await docker.createContainer({
      Image: 'busybox:1.36',
      Cmd: ['sleep', '600'],
      Labels: { 'com.docker.compose.project': PROJECT, 'com.docker.compose.project.working_dir': '/tmp', 'com.docker.compose.oneoff': 'False', ...c.labels },
      HostConfig: { NetworkMode: 'none' },
    });
    created.push(ctr.id);
    await ctr.start();
  }
}, 60_000);

afterAll(async () => {
  const docker = labDocker(info);
  for (const id of created) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  await conn?.close();
});

describe('recreate with hostile Compose labels', () => {
  it.each(CASES.map((c, i) => [c.name, i] as const))('refuses %s with one line and sends nothing', async (_name, i) => {
    const c = CASES[i]!;
    const grid = new GridStore(conn);
    const snap = await grid.snapshotOnce(100);
    grid.stop();
    const row = snap.groups.flatMap((g) => g.services).find((s) => s.project === PROJECT && s.replicas.some((r) => r.container.id === created[i]));
    expect(row, 'the hostile container is in the grid').toBeDefined();
    expect(row!.service).toBe(c.service);
    const sent: (readonly string[])[] = [];
    const src: ActionSource = { docker: conn.docker, exec: (argv, o) => (sent.push(argv), conn.exec(argv, o)) };
    const r = await runAction(src, 'recreate', actionTarget(row!));
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(c.says);
    expect(r.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(sent).toEqual([]);
    const after = await labDocker(info).getContainer(created[i]!).inspect();
    expect(after.State.Running).toBe(true);
    expect(after.RestartCount).toBe(0);
  });
});
