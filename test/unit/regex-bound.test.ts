/**
 * Regexes typed by the operator run with a bound. The catastrophic ones are run in a child
 * process: without the bound they would backtrack for ages and freeze this test worker with them;
 * the child's deadline only turns that into a failure, the assertions are on what it answered.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundedRegex, caseless } from '../../src/text/bounded-regex.js';
import { compileFilter as compileGridFilter } from '../../src/model/grid-view.js';
import { compileFilter, parseFilter } from '../../src/logs/log-filter.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Run `body` (TypeScript, importing from src/) in a child; what it printed, or why it failed. */
function inChild(body: string): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  if (r.error) return `child failed: ${r.error.message}`;
  if (r.status !== 0) return `child exited ${r.status}: ${r.stderr.slice(0, 300)}`;
  return r.stdout.trim();
}

describe('regexes typed by the operator', () => {
  it('(a+)+$ over a 16 KB line answers (no match) in the log filter, the grid filter and the search', () => {
    const out = inChild(`
      import { compileFilter } from './src/logs/log-filter.ts';
      import { compileFilter as grid } from './src/model/grid-view.ts';
      import { searchRegex } from './components/log-view-state.ts';
      import { toLogLine } from './src/logs/log-line.ts';
      const text = '{"x":"' + 'a'.repeat(16 * 1024) + '!"}';
      const line = toLogLine({ stream: 'stdout', ts: '2026-01-01T00:00:00.000000000Z', text, bytes: text.length, cut: false }, 0);
      const results = [];
      for (const f of ['(a+)+$', '(A+)+$', 'x=~(a+)+$', '~(a|aa)+$']) results.push(compileFilter({ text: f }).predicate(line));
      const row = { service: text, project: text, image: { raw: text }, replicas: [{ container: { name: text } }], degraded: false };
      results.push(grid({ text: '(a+)+$', faultedOnly: false }).test(row));
      results.push(searchRegex('(a+)+$').re.test(text));
      console.log(JSON.stringify(results));
    `);
    expect(out).toBe(JSON.stringify([false, false, false, false, false, false]));
  }, 60_000);

  it('refuses patterns the bound cannot hold (backreferences, lookaround), in one line', () => {
    expect(parseFilter('(a+)\\1$').error).toBe("refused regular expression '(a+)\\1$' could run without bound (backreferences, lookaround and long counted repeats are refused)");
    expect(parseFilter('x=~(?=a)').error).toMatch(/^refused regular expression/);
    expect(compileGridFilter({ text: '(a)\\1', faultedOnly: false }).error).toMatch(/could run without bound.*matching as text/);
  });

  it('keeps smart case and ordinary patterns working', () => {
    const match = (f: string, text: string) => compileFilter({ text: f }).predicate!({ plain: text, stream: 'stdout', raw: text } as never);
    expect(match('timeout', 'Connection TIMEOUT after 30s')).toBe(true);
    expect(match('Timeout', 'connection timeout')).toBe(false);
    expect(match('[a-f]+\\d{2}', 'ID: BEEF42')).toBe(true);
    expect(boundedRegex('caf[eé]', { ignoreCase: true }).test('CAFÉ')).toBe(true);
    expect(caseless('\\bget\\b [^a-c]\\d')).toBe('\\b[gG][eE][tT]\\b [^a-cA-C]\\d');
  });
});
