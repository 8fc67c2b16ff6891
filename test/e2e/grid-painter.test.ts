/**
 * The live grid on a real pseudo-terminal against the lab: between React renders the painter
 * rewrites the rows whose figures changed, in place, and the screen stays what the grid is.
 * (That the painted cells are exactly what a render would draw is test/tui/grid-painter.test.tsx.)
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireLab } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { startOnPty } from '../support/pty-terminal.js';

const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
const COLS = 160;
const ROWS = 50;
// The painter's signature: up from below the frame, then a line erased and written.
const PAINT = /\u001b\[\d+A\r\u001b\[0m\u001b\[K/g;
// Ink's: a whole frame erased line by line before it is written again.
const FULL_FRAME = /(?:\u001b\[2K\u001b\[1A){5,}/g;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the live grid on a terminal', () => {
  it('rewrites changed figures in place between renders, and the rows stay where the grid put them', async () => {
    const info = await requireLab();
    expect(existsSync(BUNDLE), 'npm run bundle first').toBe(true);
    const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, '--host', info.sshd.hostAlias, '--ssh-config', info.sshd.sshConfigPath, '--socket', info.docker.socketPath, '--interval', '1000'];
    const { child, exited, screen, raw } = startOnPty(argv, { cols: COLS, rows: ROWS });
    try {
      const deadline = Date.now() + 60_000;
      let lines = await screen();
      while (!(lines.some((l) => /^SERVICE +STATE +HEALTH/.test(l)) && lines.some((l) => /\d+ faulted|all services ok/.test(l)) && /% \//.test(lines.join('\n')))) {
        expect(Date.now() < deadline, `the grid never completed:\n${lines.join('\n')}`).toBe(true);
        await sleep(100);
        lines = await screen();
      }
      const header = lines.findIndex((l) => /^SERVICE +STATE +HEALTH/.test(l));
      const rowsOf = (ls: string[]) => {
        const end = ls.findIndex((l, i) => i > header && (l.trim() === '' || /faulted|all services ok/.test(l)));
        return ls.slice(header + 1, end);
      };
      const names = (ls: string[]) => rowsOf(ls).map((l) => l.slice(0, 20).trimEnd());
      const before = rowsOf(lines);
      const from = raw().length;
      await sleep(6000);
      const during = raw().slice(from);
      const after = await screen();

      // Figures moved on screen, and mostly by in-place rewrites rather than whole frames.
      const paints = during.match(PAINT)?.length ?? 0;
      const frames = during.match(FULL_FRAME)?.length ?? 0;
      expect(paints, `in-place rewrites in 6 s (whole frames: ${frames})`).toBeGreaterThanOrEqual(3);
      expect(frames).toBeLessThan(paints);
      expect(rowsOf(after)).not.toEqual(before);

      // The rows are where the grid drew them: same services, same order, the header above
      // them, each row with its state glyph under STATE.
      expect(after[header]).toBe(lines[header]);
      expect(names(after)).toEqual(names(lines));
      const stateAt = lines[header]!.indexOf('STATE');
      for (const row of rowsOf(after)) {
        if (/^\S/.test(row) && !/^[!] /.test(row)) continue; // a project heading
        expect(row.slice(stateAt, stateAt + 1), row).toMatch(/[▸◑↻‖■□✕…?]/u);
      }

      // A render from scratch (the selection moves down and back) draws the same rows.
      child.stdin.write('j');
      await sleep(300);
      child.stdin.write('k');
      await sleep(300);
      expect(names(await screen())).toEqual(names(after));
    } finally {
      child.stdin.write('q');
      const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') child.kill('SIGKILL');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});
