import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { requireLab } from '../lab/api.js';

// `npm run demo` is the README's first command: it must open opsdeck on the lab, over SSH, with
// the live grid on screen. Driven on a real pseudo-terminal (util-linux `script`).
describe('npm run demo', () => {
  it('opens the grid of the lab over SSH and quits cleanly on q', async () => {
    await requireLab();
    // Ink draws only the last frame when it thinks it runs in CI (CI=true, CI_*): a person at a
    // terminal is what the demo is for, so the child gets the environment without those.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'CONTINUOUS_INTEGRATION' && !k.startsWith('CI_')));
    const child = spawn('script', ['-qfec', 'npm run --silent demo', '/dev/null'], {
      env: { ...env, TERM: 'xterm-256color', COLUMNS: '160', LINES: '50' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Generous: the demo compiles first, and the machine may be busy.
    const deadline = Date.now() + 150_000;
    const ready = () => out.includes('connected (streamlocal)') && /SERVICE.*STATE.*HEALTH/.test(out) && /\d+ faulted/.test(out);
    while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(ready(), out.slice(-2000)).toBe(true);
    child.stdin.write('q');
    expect(await exited).toBe(0);
  }, 180_000);
});
