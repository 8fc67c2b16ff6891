/**
 * Bad flags and arguments for every command and subcommand (enumerated from the CLI's own
 * command table, so a new command or option is covered without editing this file), run through
 * the bundle: each ends in one error line (plus at most a hint), exit 2, nothing on stdout, and
 * never a stack trace.
 *
 * No daemon is reached: a bad argument must be refused before opsdeck connects. Runs have no
 * saved profile, no DOCKER_HOST and no local Docker socket at the default path, and every run
 * that names a host names 127.0.0.1 port 1, where nothing listens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCommands } from '../../src/cli/commands/index.js';
import type { CommandSpec } from '../../src/cli/command.js';
import { runBundle } from '../support/run-bundle.js';

const BUNDLE = resolve('dist/opsdeck.mjs');
const RUN_LIMIT_MS = 15_000;
const dir = mkdtempSync(join(tmpdir(), 'opsdeck-badflags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg'), OPSDECK_CONFIG: join(dir, 'none.json'), DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}` };

const run = (args: string[]) => runBundle(BUNDLE, args, env, RUN_LIMIT_MS);

interface BadCase {
  args: string[];
  /** The error line must match this (it names the flag or argument at fault). */
  says: RegExp;
}

interface Leaf {
  path: string[];
  spec: CommandSpec;
}

function leaves(c: CommandSpec, path: string[]): Leaf[] {
  if (!c.subcommands) return [{ path, spec: c }];
  return c.subcommands.flatMap((s) => leaves(s, [...path, s.name]));
}

// The positionals each command needs to get as far as its options; extra ones must be refused.
const NEEDS: Record<string, string[]> = {
  'hosts add': ['prod', 'deploy@127.0.0.1:1'],
  'hosts remove': ['prod'],
  'hosts show': ['prod'],
  logs: ['api'],
  'backup verify': ['shop-20260101T031700Z'],
  'backup download': ['shop-20260101T031700Z'],
  restore: ['shop-20260101T031700Z'],
  'runbook show': ['restart-loop'],
  'runbook run': ['restart-loop'],
  'runbook resume': ['20261206T000000Z-restart-loop-ab12'],
};

// Commands whose one positional is optional: the surplus argument is the one after it.
const OPTIONAL: Record<string, string[]> = {
  'runbook log': ['20261206T000000Z-restart-loop-ab12'],
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Generic cases for one runnable command, from its option table. */
function genericCases(leaf: Leaf): BadCase[] {
  const name = leaf.path.join(' ');
  const pos = NEEDS[name] ?? [];
  const base = leaf.spec.name === 'ui' ? [] : [...leaf.path, ...pos];
  const cases: BadCase[] = [
    { args: [...base, '--no-such-flag'], says: /unknown option --no-such-flag/ },
    { args: [...base, '-Z'], says: /unknown option -Z/ },
    { args: [...base, '--no-such-flag=1'], says: /unknown option --no-such-flag/ },
  ];
  for (const [opt, o] of Object.entries(leaf.spec.options)) {
    if (o.type === 'string') cases.push({ args: [...base, `--${opt}`], says: new RegExp(`option --${escape(opt)} needs a value`) });
    else cases.push({ args: [...base, `--${opt}=yes`], says: new RegExp(`option --${escape(opt)} takes no value`) });
  }
  // Arguments nobody asked for (logs takes any number of services).
  if (leaf.spec.name !== 'logs' && leaf.spec.name !== 'ui') cases.push({ args: [...base, ...(OPTIONAL[name] ?? []), 'surplus-argument'], says: /unexpected argument 'surplus-argument'/ });
  if (pos.length > 0) cases.push({ args: [...leaf.path], says: /./ });
  return cases;
}

const H = ['--host', 'deploy@127.0.0.1:1'];

// Values of the right type but wrong content, refused before any connection.
const VALUE_CASES: BadCase[] = [
  { args: ['--interval', 'soon'], says: /--interval/ },
  { args: ['--interval', '-5'], says: /--interval/ },
  { args: ['status', '--sample-ms', 'abc', ...H], says: /--sample-ms/ },
  { args: ['logs', 'api', '--tail', 'abc', ...H], says: /--tail/ },
  { args: ['logs', 'api', '--tail', '-1', ...H], says: /--tail/ },
  { args: ['logs', 'api', '--since', 'yesterday-ish', ...H], says: /--since/ },
  { args: ['logs', 'api', '--grep', '(', ...H], says: /--grep|regular expression|regex/ },
  { args: ['logs', 'api', '--field', 'novalue', ...H], says: /--field/ },
  { args: ['logs', 'api', '--level', 'loud', ...H], says: /--level|level/ },
  { args: ['logs', 'api', '--buffer', 'many', ...H], says: /--buffer/ },
  { args: ['unlock', '--passphrase-fd', 'abc', ...H], says: /--passphrase-fd/ },
  { args: ['unlock', '--timeout', 'abc', ...H], says: /--timeout/ },
  { args: ['unlock', 'bogus', ...H], says: /bogus/ },
  { args: ['backup', 'schedule', '--cron', 'every night', ...H], says: /--cron|cron/ },
  { args: ['backup', 'log', '--lines', 'abc', ...H], says: /--lines/ },
  { args: ['restore', 'shop-20260101T031700Z', ...H], says: /--scratch|--live/ },
  { args: ['restore', 'shop-20260101T031700Z', '--scratch', '--live', ...H], says: /--scratch|--live/ },
  { args: ['restore', 'shop-20260101T031700Z', '--live', ...H], says: /--confirm/ },
  { args: ['provision', '--sudo', 'maybe', ...H], says: /--sudo/ },
  { args: ['provision', '--plan', '--yes', ...H], says: /--plan|--yes/ },
  { args: ['hosts', 'add', 'prod', 'deploy@127.0.0.1:99999'], says: /port/i },
  { args: ['hosts', 'add', 'bad name!', 'deploy@127.0.0.1:1'], says: /name/i },
  { args: ['hosts', 'add', 'prod', 'deploy@127.0.0.1:1', '--socket', 'relative.sock'], says: /socket|absolute/i },
  { args: ['hosts', 'bogus'], says: /unknown command 'hosts bogus'/ },
  { args: ['backup', 'bogus'], says: /unknown command 'backup bogus'/ },
  { args: ['hosts'], says: /hosts/ },
  { args: ['backup'], says: /backup/ },
  { args: ['bogus'], says: /unknown command 'bogus'/ },
  { args: ['status', '--host', ''], says: /--host|host/ },
  // Several servers (--group, --host a,b): refused before any of them is dialled.
  { args: ['status', '--group', 'shop', '--timeout', 'abc'], says: /--timeout/ },
  { args: ['status', '--group', 'shop', '--timeout', '0'], says: /--timeout/ },
  { args: ['status', '--host', 'deploy@127.0.0.1:1,deploy@127.0.0.2:1', '--timeout', '301'], says: /--timeout/ },
  { args: ['status', '--timeout', '5', ...H], says: /--timeout/ },
  { args: ['status', '--group', 'shop'], says: /--group shop/ },
  { args: ['status', '--group', ''], says: /--group/ },
  { args: ['status', '--group', 'shop', ...H], says: /--group and --host/ },
  { args: ['status', '--host', 'deploy@127.0.0.1:1,,deploy@127.0.0.2:1'], says: /empty server name/ },
  { args: ['status', '--host', 'deploy@127.0.0.1:1,deploy@127.0.0.1:1'], says: /named twice/ },
  // A list where one server is meant: refused, not one of them picked.
  { args: ['logs', 'api', '--host', 'web-1,db-1'], says: /--host web-1,db-1: names several servers; this command takes one/ },
];

describe('bad flags and arguments, for every command', () => {
  it('one line (and a hint), exit 2, nothing on stdout, no stack', async () => {
    const all = (await loadCommands()).flatMap((c) => leaves(c, [c.name]));
    const cases = [...all.flatMap(genericCases), ...VALUE_CASES];
    const failures: string[] = [];
    const queue = [...cases];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const r = await run(c.args);
        const lines = r.err.split('\n').filter((l) => l !== '');
        const what = `opsdeck ${c.args.join(' ')}`;
        if (r.timedOut) failures.push(`${what}: still running after ${RUN_LIMIT_MS} ms`);
        else if (r.code !== 2) failures.push(`${what}: exit ${r.code}: ${r.err.slice(0, 200)}${r.out.slice(0, 100)}`);
        else if (lines.length < 1 || lines.length > 2) failures.push(`${what}: ${lines.length} lines on stderr: ${r.err.slice(0, 200)}`);
        else if (/^\s+at /m.test(r.err) || /internal error/.test(r.err)) failures.push(`${what}: ${r.err.slice(0, 200)}`);
        else if (r.out !== '') failures.push(`${what}: printed to stdout: ${r.out.slice(0, 100)}`);
        else if (!c.says.test(lines[0]!)) failures.push(`${what}: says '${lines[0]}', expected ${c.says}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    console.log(`bad flags: ${all.length} commands, ${cases.length} cases, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 300_000);
});
