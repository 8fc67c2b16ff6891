/**
 * The TUI's last-resort handler, in the bundled app in a real terminal (a private tmux server).
 * A preload forces the failure: once the UI has drawn its first frame it puts the terminal in
 * the states a crash could leave behind (alternate screen, bracketed paste, cursor hidden; raw
 * mode is Ink's own), then throws or rejects with a hostile message. It also records every
 * setRawMode call, since Node puts the tty's modes back at exit whatever happened before.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTerminal, type Terminal } from './logs-helpers.js';
import { shellCommand } from '../../src/transport/shell-quote.js';

const dirs: string[] = [];
const terminals: Terminal[] = [];
afterAll(() => {
  for (const t of terminals.splice(0)) t.kill();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const HOSTILE = 'forced \u001b]0;pwned\u0007failure\nsecond line';

function preloadFor(kind: 'throw' | 'reject', record: string): string {
  return [
    `import fs from 'node:fs';`,
    `const stdin = process.stdin;`,
    `const setRawMode = stdin.setRawMode.bind(stdin);`,
    `stdin.setRawMode = (on) => { fs.appendFileSync(${JSON.stringify(record)}, String(on) + '\\n'); return setRawMode(on); };`,
    `const write = process.stdout.write.bind(process.stdout);`,
    `let armed = true;`,
    `process.stdout.write = (chunk, ...rest) => {`,
    `  const r = write(chunk, ...rest);`,
    `  if (armed && String(chunk).includes('not connected')) {`,
    `    armed = false;`,
    `    setTimeout(() => {`,
    `      write('\\u001b[?1049h\\u001b[?2004h\\u001b[?25l');`,
    `      const e = new Error(${JSON.stringify(HOSTILE)});`,
    `      ${kind === 'throw' ? 'throw e;' : 'void Promise.reject(e);'}`,
    `    }, 300);`,
    `  }`,
    `  return r;`,
    `};`,
    '',
  ].join('\n');
}

async function waitFor(what: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('the TUI last-resort handler (bundled app, forced failure)', () => {
  for (const kind of ['throw', 'reject'] as const) {
    it(`puts the terminal back and prints one sanitised line after an uncaught ${kind === 'throw' ? 'exception' : 'rejection'}, exit 1`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-last-resort-'));
      dirs.push(dir);
      const record = path.join(dir, 'raw-mode.txt');
      const preload = path.join(dir, 'force-failure.mjs');
      fs.writeFileSync(preload, preloadFor(kind, record));
      const entry = path.resolve('dist/opsdeck.mjs');
      // After the app, the pane's own tty is read by `cat -v`: a paste shows its bracket codes
      // there if bracketed paste was left on.
      // Ink draws only its last frame when it believes it runs in CI.
      const unsetCi = Object.keys(process.env).filter((k) => k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')).flatMap((k) => ['-u', k]);
      const app = shellCommand(['env', ...unsetCi, process.execPath, '--import', preload, entry, '--local', '--socket', '/nonexistent/docker.sock']);
      const script = `${app}; echo "EXIT=$?"; exec cat -v`;
      const env: Record<string, string> = { HOME: dir };
      const term = startTerminal(['sh', '-c', script], { cwd: dir, env });
      terminals.push(term);
      await waitFor(() => term.screen().includes('EXIT='), 20_000);
      const screen = term.screen();
      expect(screen).toContain('EXIT=1');
      const rawCalls = fs.readFileSync(record, 'utf8').trim().split('\n');
      expect(rawCalls[0]).toBe('true');
      expect(rawCalls.at(-1)).toBe('false');
      expect(term.alternateScreen()).toBe(false);
      const lines = screen.split('\n').filter((l) => l.includes('internal error'));
      expect(lines.map((l) => l.trim())).toEqual(['opsdeck: internal error: forced failure second line (set OPSDECK_DEBUG=1 for details, and please report it)']);
      expect(screen).not.toMatch(/^\s+at /m);
      expect(term.title()).not.toContain('pwned');
      expect(term.format('#{cursor_flag}')).toBe('1');
      term.paste('pasted');
      term.sendKeys('Enter');
      await waitFor(() => term.screen().split('\n').filter((l) => l.includes('pasted')).length >= 2, 5_000);
      expect(term.screen()).not.toContain('[200~');
    }, 30_000);
  }
});
