import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-hostsmark-'));
  file = path.join(dir, 'config.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await main([...args, '--config', file], { stdout: out, stderr: err, stdin: new PassThrough(), env: { HOME: dir } });
  return { code, stdout, stderr };
}

const saved = () => JSON.parse(fs.readFileSync(file, 'utf8')) as { profiles: Record<string, Record<string, unknown>> };

describe('hosts add: group, environment, colour, readonly', () => {
  it('saves them, and list and show print them', async () => {
    const add = await run(['hosts', 'add', 'shop-prod', 'deploy@203.0.113.9', '--group', 'shop', '--environment', 'production', '--colour', 'magentaBright', '--readonly']);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect((await run(['hosts', 'add', 'shop-stage', 'deploy@203.0.113.10', '--group', 'shop', '--environment', 'staging'])).code).toBe(0);
    expect((await run(['hosts', 'add', 'bare', '--local'])).code).toBe(0);
    expect(saved().profiles['shop-prod']).toMatchObject({ group: 'shop', environment: 'production', colour: 'magentaBright', readonly: true });
    // Nothing given, nothing written: no `readonly: false` or empty group in the file.
    expect(Object.keys(saved().profiles['bare']!)).toEqual(['local']);

    const list = (await run(['hosts', 'list'])).stdout.split('\n');
    expect(list[0]).toMatch(/^NAME +GROUP +ENV +TARGET/);
    expect(list.find((l) => l.startsWith('shop-prod '))).toMatch(/^shop-prod +shop +production +deploy@203\.0\.113\.9 /);
    expect(list.find((l) => l.startsWith('shop-stage '))).toMatch(/^shop-stage +shop +staging +deploy@203\.0\.113\.10 /);
    expect(list.find((l) => l.startsWith('bare '))).toMatch(/^bare +local /);

    const show = (await run(['hosts', 'show', 'shop-prod'])).stdout;
    expect(show).toMatch(/^group +shop$/m);
    expect(show).toMatch(/^environment +production \(destructive actions ask for the name to be typed\)$/m);
    expect(show).toMatch(/^colour +magentaBright$/m);
    expect(show).toMatch(/^read-only +yes/m);
    const json = JSON.parse((await run(['hosts', 'show', 'shop-prod', '--json'])).stdout) as { profile: Record<string, unknown> };
    expect(json.profile).toMatchObject({ group: 'shop', environment: 'production', colour: 'magentaBright', readonly: true });

    const stage = (await run(['hosts', 'show', 'shop-stage'])).stdout;
    expect(stage).toMatch(/^environment +staging$/m);
    expect(stage).not.toMatch(/^colour|^read-only/m);
  });

  it("show names production's red when the profile sets no colour", async () => {
    expect((await run(['hosts', 'add', 'db', 'db.example.org', '--environment', 'production'])).code).toBe(0);
    expect((await run(['hosts', 'show', 'db'])).stdout).toMatch(/^colour +red \(production's, as no colour is set\)$/m);
  });

  it('--replace writes the profile whole: a marking not given again is cleared', async () => {
    expect((await run(['hosts', 'add', 'p', 'h.example.org', '--group', 'shop', '--colour', 'red', '--readonly'])).code).toBe(0);
    expect((await run(['hosts', 'add', 'p', 'h.example.org', '--group', 'blog', '--replace'])).code).toBe(0);
    expect(saved().profiles['p']).toEqual({ ssh: { host: 'h.example.org' }, group: 'blog' });
  });

  const bad: [string, string[], RegExp][] = [
    ['a group with a space', ['--group', 'my shop'], /^opsdeck: profile 'x': group: must be a group name such as shop .*\(found "my shop"\)$/],
    ['an environment starting with a dash', ['--environment', '.prod'], /^opsdeck: profile 'x': environment: must be a word such as production or staging .*\(found "\.prod"\)$/],
    ['an unknown colour', ['--colour', 'purple'], /^opsdeck: profile 'x': colour: must be one of red, green, .*cyanBright \(found "purple"\)$/],
    ['two bad fields', ['--group', 'a b', '--colour', 'pink'], /^opsdeck: profile 'x': group: .* \(and 1 more problem\)$/],
  ];
  for (const [what, flags, message] of bad) {
    it(`refuses ${what} in one line, exit 2, nothing written`, async () => {
      const r = await run(['hosts', 'add', 'x', 'h.example.org', ...flags]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
      expect(fs.existsSync(file)).toBe(false);
    });
  }

  it('a value-taking marking without its value is a usage error, not a saved profile', async () => {
    const r = await run(['hosts', 'add', 'x', 'h.example.org', '--colour']);
    expect(r.code).toBe(2);
    expect(fs.existsSync(file)).toBe(false);
  });
});
