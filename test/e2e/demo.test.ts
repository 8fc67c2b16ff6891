import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { requireLab } from '../lab/api.js';

// `npm run demo` is the README's first command: it must open opsdeck's fleet view on the lab's
// three servers (web-1, db-1, staging-1, group shop), over SSH, each connected, web-1's faults
// under it. Driven on a real pseudo-terminal (util-linux `script`).
describe('npm run demo', () => {
  it('opens the fleet of the three lab servers over SSH and quits cleanly on q', async () => {
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
    // Without escape sequences, so a colour change inside a line does not split what we look for.
    const text = () => out.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, '').replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '');
    // Generous: the demo compiles first, and the machine may be busy.
    const deadline = Date.now() + 150_000;
    const ready = () => {
      const t = text();
      return /--config \S+fleet-profiles\.json --ssh-config \S+ --group shop/.test(t) && /fleet shop/.test(t) && /3 connected/.test(t) && ['web-1', 'db-1', 'staging-1'].every((s) => t.includes(s)) && t.includes('shop/mailer');
    };
    try {
      while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(ready(), text().slice(-2000)).toBe(true);
    } finally {
      // Quit even when the screen was wrong: a failed run must not leave opsdeck running.
      child.stdin.write('q');
    }
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
    if (code === 'hung') child.kill('SIGHUP');
    expect(code).toBe(0);
  }, 180_000);
});
