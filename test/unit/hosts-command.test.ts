import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-hostscmd-'));
  file = path.join(dir, 'config.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await main(args, { stdout: out, stderr: err, stdin: new PassThrough(), env: { HOME: dir, ...env } });
  return { code, stdout, stderr };
}

describe('opsdeck hosts', () => {
  it('add, list, show, remove round trip (with OPSDECK_CONFIG)', async () => {
    const env = { OPSDECK_CONFIG: file };
    expect((await run(['hosts', 'add', 'prod', 'deploy@203.0.113.9:2222', '--socket', '/run/user/1000/docker.sock', '--project', 'shop', '--project', 'blog', '--default'], env)).code).toBe(0);
    expect((await run(['hosts', 'add', 'here', '--local'], env)).code).toBe(0);
    const list = await run(['hosts', 'list'], env);
    expect(list.stdout).toMatch(/^NAME +GROUP +ENV +TARGET +DOCKER SOCKET/);
    expect(list.stdout).toMatch(/prod \* +deploy@203\.0\.113\.9:2222 +\/run\/user\/1000\/docker\.sock/);
    const json = JSON.parse((await run(['hosts', 'list', '--json'], env)).stdout) as { name: string; default: boolean }[];
    expect(json.map((p) => [p.name, p.default])).toEqual([
      ['here', false],
      ['prod', true],
    ]);
    const show = JSON.parse((await run(['hosts', 'show', 'prod', '--json'], env)).stdout) as { resolved: Record<string, unknown> };
    expect(show.resolved).toMatchObject({ kind: 'ssh', destination: 'deploy@203.0.113.9:2222', socketPath: '/run/user/1000/docker.sock', strictHostKeyChecking: 'ask' });
    expect((await run(['hosts', 'remove', 'prod'], env)).stdout).toBe("Removed 'prod'.\n");
    const again = await run(['hosts', 'remove', 'prod'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^opsdeck: no saved server named 'prod'/);
  });

  it('refuses bad input with one line and exit 2', async () => {
    for (const args of [
      ['hosts', 'add', 'x', 'h;rm -rf /', '--config', file],
      ['hosts', 'add', 'bad name', 'h', '--config', file],
      ['hosts', 'add', 'x', 'h', '--socket', 'relative.sock', '--config', file],
      ['hosts', 'add', 'x', 'h:0', '--config', file],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^opsdeck: /);
    }
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('a bad profile file, seen from the CLI', () => {
  const bad: Record<string, string> = {
    'not JSON': '{ "profiles": ',
    'bad port': '{"profiles":{"prod":{"ssh":{"host":"h","port":123456}}}}',
    'unknown key': '{"profiles":{"prod":{"ssh":{"host":"h","identity":"~/.ssh/k"}}}}',
    'wrong type': '{"profiles":{"prod":{"ssh":"deploy@h"}}}',
  };
  for (const [what, text] of Object.entries(bad)) {
    it(`${what}: one line naming the file and field, exit 2, bytes unchanged, for every command`, async () => {
      fs.writeFileSync(file, text);
      const before = fs.readFileSync(file);
      for (const args of [
        ['hosts', 'list'],
        ['hosts', 'add', 'other', 'h'],
        ['hosts', 'remove', 'prod'],
        ['hosts', 'show', 'prod'],
        ['doctor', '--host', 'prod'],
      ]) {
        const r = await run([...args, '--config', file]);
        expect(r.code).toBe(2);
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(new RegExp(`^opsdeck: ${file.replace(/[.]/g, '\\.')}: `));
        expect(lines[1]).toMatch(/never rewrites/);
        expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
        expect(fs.readFileSync(file).equals(before)).toBe(true);
      }
    });
  }
});
