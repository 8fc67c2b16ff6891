/**
 * Fuzzed profile stores (config.json) and ssh_config files, fed to the bundle: every run prints
 * one error line (and at most one hint), exits 2, never shows a stack, and leaves the file as it
 * was. Seeded: the seed is printed, and OPSDECK_FUZZ_SEED=N replays a run.
 *
 * No daemon is reached: a bad store stops opsdeck before it connects, and the ssh_config runs
 * name 127.0.0.1 port 1 (nothing listens there) so a file that happens to parse ends in
 * "connection refused" on loopback, never in a name lookup.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBundle } from '../support/run-bundle.js';
import { seededRandom } from '../support/seeded-random.js';

const BUNDLE = resolve('dist/opsdeck.mjs');
const SEED = Number(process.env.OPSDECK_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`config fuzz seed: ${SEED} (OPSDECK_FUZZ_SEED=${SEED} replays it)`);

const rand = seededRandom(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const bytes = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(0, 255);
  return b;
};
const MB10 = 10 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'opsdeck-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') };

// A bad file must be refused at once; a run this long is a hang (a regex gone quadratic on a long line took 30 s).
const RUN_LIMIT_MS = 15_000;

const run = (args: string[], extraEnv: Record<string, string> = {}) => runBundle(BUNDLE, args, { ...env, ...extraEnv }, RUN_LIMIT_MS);

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

interface Case {
  name: string;
  content: Buffer | string;
  /** A fixed file name (in the temporary HOME), for a file that names itself. */
  fileName?: string;
}

/** Run every case with `argsFor`, a few at a time, and check each outcome. */
async function fuzz(kind: string, cases: Case[], argsFor: (file: string) => { args: string[]; env?: Record<string, string> }[]) {
  let runs = 0;
  const failures: string[] = [];
  const queue = cases.map((c, i) => ({ ...c, file: join(dir, c.fileName ?? `${kind}-${i}`) }));
  for (const c of queue) writeFileSync(c.file, c.content);
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const before = sha(c.file);
      for (const { args, env: e } of argsFor(c.file)) {
        const r = await run(args, e);
        runs++;
        const lines = r.err.split('\n').filter((l) => l !== '');
        const what = `${kind} ${c.name} (${args.join(' ').replace(dir, '$DIR')})`;
        if (r.timedOut) failures.push(`${what}: still running after ${RUN_LIMIT_MS} ms`);
        else if (r.code !== 2) failures.push(`${what}: exit ${r.code}: ${r.err.slice(0, 300)}`);
        else if (lines.length < 1 || lines.length > 2) failures.push(`${what}: ${lines.length} lines: ${r.err.slice(0, 300)}`);
        else if (r.err.length > 1000) failures.push(`${what}: a ${r.err.length}-byte error`);
        else if (/^\s+at /m.test(r.err) || /internal error/.test(r.err)) failures.push(`${what}: ${r.err.slice(0, 300)}`);
        else if (r.out !== '') failures.push(`${what}: printed to stdout: ${r.out.slice(0, 200)}`);
      }
      if (sha(c.file) !== before) failures.push(`${kind} ${c.name}: the file changed`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  console.log(`${kind}: ${cases.length} files, ${runs} runs, ${failures.length} failures (seed ${SEED})`);
  expect(failures, `seed ${SEED}`).toEqual([]);
}

const GOOD_STORE = JSON.stringify(
  {
    version: 1,
    defaultProfile: 'prod',
    profiles: {
      prod: { ssh: { host: '127.0.0.1', user: 'deploy', port: 1, identityFile: '~/.ssh/id_ed25519' }, socket: '/var/run/docker.sock', compose: { directory: '/srv/app', projects: ['shop'] } },
      here: { local: true },
    },
  },
  null,
  2,
);

function storeCases(): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < 12; i++) cases.push({ name: `random bytes #${i}`, content: bytes(int(1, 4096)) });
  // Every prefix of a good store short of the whole is invalid JSON (and never empty: an empty file is a new store).
  for (let i = 0; i < 12; i++) cases.push({ name: `truncated #${i}`, content: GOOD_STORE.slice(0, int(1, GOOD_STORE.length - 1)) });
  const depth = int(50_000, 200_000);
  cases.push({ name: `${depth} nested arrays`, content: '['.repeat(depth) + ']'.repeat(depth) });
  cases.push({ name: `${depth} nested objects`, content: '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) });
  cases.push({ name: `${depth} nested arrays in a field`, content: `{"version":1,"profiles":{"x":{"ssh":{"host":${'['.repeat(depth)}${']'.repeat(depth)}}}}}` });
  cases.push({ name: '10 MB of random bytes', content: bytes(MB10) });
  cases.push({ name: 'a 10 MB key', content: `{"version":1,"profiles":{},"${'k'.repeat(MB10)}":1}` });
  cases.push({ name: 'a 10 MB unknown value', content: `{"version":1,"profiles":{},"junk":"${'x'.repeat(MB10)}"}` });
  return cases;
}

const GOOD_SSH_CONFIG = [
  'Host lab',
  '  HostName 127.0.0.1',
  '  Port 1',
  '  User deploy',
  '  IdentityFile ~/.ssh/id_ed25519',
  '  StrictHostKeyChecking yes',
  '  ServerAliveInterval 5',
  'Match host 127.0.0.1',
  '  ConnectTimeout 3',
  '',
].join('\n');

function sshConfigCases(): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < 12; i++) cases.push({ name: `random bytes #${i}`, content: bytes(int(1, 4096)) });
  for (let i = 0; i < 8; i++) cases.push({ name: `truncated #${i}`, content: GOOD_SSH_CONFIG.slice(0, int(1, GOOD_SSH_CONFIG.length - 1)) });
  cases.push({ name: 'Include of itself', content: 'Include ~/self.conf\n', fileName: 'self.conf' });
  cases.push({ name: 'a line of blanks between words', content: `Host lab${' '.repeat(int(150_000, 250_000))}x\n` });
  cases.push({ name: '10 MB of random bytes', content: bytes(MB10) });
  cases.push({ name: 'a 10 MB keyword with an open quote', content: `${'k'.repeat(MB10)} "x\n` });
  cases.push({ name: 'a 10 MB Port value', content: `Host *\n  Port ${'9'.repeat(MB10)}\n` });
  return cases;
}

describe('fuzzed config and ssh_config files', () => {
  it('a fuzzed profile store: one line, exit 2, the file unchanged (hosts list, status)', async () => {
    await fuzz('store', storeCases(), (file) => [
      { args: ['hosts', 'list'], env: { OPSDECK_CONFIG: file } },
      { args: ['status', '--json'], env: { OPSDECK_CONFIG: file } },
    ]);
  }, 240_000);

  it('a fuzzed ssh_config: one line, exit 2, the file unchanged (status --ssh-config)', async () => {
    const cases = sshConfigCases();
    await fuzz('ssh', cases, (file) => [{ args: ['status', '--ssh-config', file, '--host', 'deploy@127.0.0.1:1'], env: { OPSDECK_CONFIG: join(dir, 'none.json') } }]);
  }, 240_000);
});
