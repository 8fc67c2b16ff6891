/**
 * Execs over SSH against the lab's sshd are bounded: a command that does not finish, or writes
 * without end, fails with one line instead of waiting or buffering without limit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { connect, type ServerConnection } from '../../src/transport/connection.js';
import { DEFAULT_MAX_BUFFER } from '../../src/transport/exec-types.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { tmpDir } from './transport-helpers.js';

let lab: LabInfo;
let dir: string;
let conn: ServerConnection;

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('exec-bounds');
  const t = await resolveTarget({ host: lab.sshd.hostAlias, 'ssh-config': lab.sshd.sshConfigPath, socket: lab.docker.socketPath, config: path.join(dir, 'none.json') }, { HOME: dir });
  conn = await connect(t, refusingPrompter);
}, 60_000);

afterAll(async () => {
  await conn?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('execs over SSH', () => {
  it('a command that does not finish fails with one line', async () => {
    const err = await conn.exec(['sleep', '30'], { timeoutMs: 1000 }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toMatch(/^.+: 'sleep' did not finish within 1 s$/);
  }, 20_000);

  it('a command that writes without end is stopped at the default limit, with one line', async () => {
    const err = await conn.exec(['sh', '-c', 'yes']).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toBe(`'sh' wrote more than ${DEFAULT_MAX_BUFFER} bytes`);
  }, 60_000);
});
