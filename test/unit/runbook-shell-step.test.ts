import { describe, expect, it } from 'vitest';
import { parseCaptures, shellProgram } from '../../src/runbook/shell-step.js';
import { StepOutput } from '../../src/runbook/step-output.js';

const B = '--opsdeck-captures-test--';

function feed(chunks: string[]): { shown: [string, string][]; captures: string; boundary: boolean } {
  const shown: [string, string][] = [];
  const out = new StepOutput(B, (s, t) => shown.push([s, t]));
  for (const c of chunks) out.stdout(Buffer.from(c));
  out.end();
  return { shown, captures: out.captureText(), boundary: out.sawBoundary() };
}

describe('a shell step’s output', () => {
  it('passes complete lines on and keeps what follows the boundary as captures', () => {
    const r = feed(['one\ntw', 'o\n', `\n${B}\nA=1\nB=`, '2\n']);
    expect(r.shown).toEqual([
      ['stdout', 'one\n'],
      ['stdout', 'two\n'],
    ]);
    expect(r.captures).toBe('A=1\nB=2\n');
    expect(r.boundary).toBe(true);
  });

  it('finds a boundary split across reads, and keeps the step’s own blank lines', () => {
    const r = feed(['a\n\n', `b\n\n${B.slice(0, 9)}`, `${B.slice(9)}\nK=v\n`]);
    expect(r.shown.map(([, t]) => t).join('')).toBe('a\n\nb\n');
    expect(r.captures).toBe('K=v\n');
  });

  it('ends an unterminated last line, and without a boundary keeps everything as output', () => {
    const r = feed(['no newline']);
    expect(r.shown).toEqual([['stdout', 'no newline\n']]);
    expect(r.boundary).toBe(false);
    expect(r.captures).toBe('');
  });

  it('a line that only looks like the boundary is output', () => {
    const r = feed([`${B} \n--opsdeck-captures-other--\n`]);
    expect(r.shown.map(([, t]) => t).join('')).toBe(`${B} \n--opsdeck-captures-other--\n`);
    expect(r.boundary).toBe(false);
  });

  it('does not cut a multi-byte character split between reads', () => {
    const bytes = Buffer.from('größe\n');
    const shown: string[] = [];
    const out = new StepOutput(B, (_s, t) => shown.push(t));
    out.stdout(bytes.subarray(0, 3));
    out.stdout(bytes.subarray(3));
    out.end();
    expect(shown.join('')).toBe('größe\n');
  });
});

describe('captures', () => {
  it('reads KEY=VALUE lines, later ones winning, and counts what it ignored', () => {
    const r = parseCaptures('A=1\nnot a capture\nB=x=y\nA=2\n=nokey\nOPSDECK_OUT=/etc/passwd\nlower_ok=yes\r\n');
    expect([...r.captures]).toEqual([
      ['A', '2'],
      ['B', 'x=y'],
      ['lower_ok', 'yes'],
    ]);
    expect(r.ignored).toBe(3);
  });

  it('keeps at most 64 keys and 4096 characters a value', () => {
    const lines = Array.from({ length: 70 }, (_, i) => `K${i}=${'v'.repeat(5000)}`).join('\n');
    const r = parseCaptures(lines);
    expect(r.captures.size).toBe(64);
    expect(r.captures.get('K0')!.length).toBe(4096);
    expect(r.ignored).toBe(6);
  });
});

describe('the program sent to the server', () => {
  it('keeps values out of argv: they are quoted variables on stdin', () => {
    const value = `$(echo pwned); echo pwned \`id\` '"\n\\`;
    const p = shellProgram({ type: 'shell', shell: 'sh', script: 'echo "$value"\n' }, [['value', value]], { timeoutMs: 30_000, boundary: B });
    expect(p.argv).toEqual(['timeout', '-k', '5', '30', 'sh', '-s']);
    expect(p.stdin.split('\n')[0]).toBe(`value='$(echo pwned); echo pwned \`id\` '\\''"`);
    expect(p.stdin).toContain(`\\'; export value\n`);
  });

  it('runs the script in a subshell with set -e, stdin from /dev/null, in the target directory, then prints the captures', () => {
    const p = shellProgram({ type: 'shell', shell: 'bash', script: 'false\necho never\n\n\n' }, [], { timeoutMs: 1500, directory: "/srv/my shop", boundary: B });
    expect(p.argv).toEqual(['timeout', '-k', '5', '2', 'bash', '-s']);
    expect(p.stdin).toContain("(\nset -e -o pipefail\ncd -- '/srv/my shop'\nfalse\necho never\n) </dev/null\nopsdeck_rc=$?\n");
    expect(p.stdin).toContain(`printf '\\n%s\\n' ${B}\ncat -- "$OPSDECK_OUT"`);
    expect(p.stdin.trimEnd().endsWith('exit "$opsdeck_rc"')).toBe(true);
  });
});
