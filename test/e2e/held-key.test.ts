/**
 * A held key over SSH: key repeat and latency put many presses in one read. On a real
 * pseudo-terminal against the lab, 40 presses of j sent as one write move the selection 40 rows,
 * or to the last row when the grid is shorter; and bracketed paste is on while the TUI runs and
 * off again when it ends.
 */
import fs, { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireLab } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { startOnPty } from '../support/pty-terminal.js';

const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
const COLS = 160;
const ROWS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** opsdeck's TUI over SSH to the lab, on a pty (script), drawn into a headless terminal. */
async function startTui() {
  const info = await requireLab();
  expect(existsSync(BUNDLE), 'npm run bundle first').toBe(true);
  const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, '--host', info.sshd.hostAlias, '--ssh-config', info.sshd.sshConfigPath, '--socket', info.docker.socketPath];
  const { child, term, exited, raw } = startOnPty(argv, { cols: COLS, rows: ROWS });
  /** The service rows under the header, and which of them is drawn in inverse (selected). */
  const grid = async () => {
    await new Promise<void>((r) => term.write('', r));
    const buf = term.buffer.active;
    const lines = Array.from({ length: ROWS }, (_, y) => buf.getLine(buf.viewportY + y));
    const text = lines.map((l) => l?.translateToString(true) ?? '');
    const header = text.findIndex((l) => /^SERVICE +STATE +HEALTH/.test(l));
    const rows: { name: string; selected: boolean }[] = [];
    for (let y = header + 1; header >= 0 && y < ROWS; y++) {
      const t = text[y]!;
      if (t.trim() === '' || /faulted|all services ok/.test(t)) break;
      // A service row is indented (or flagged with !); a project heading starts in column 0.
      if (!/^[ !] /.test(t)) continue;
      const cell = lines[y]!.getCell(4);
      rows.push({ name: t.slice(2, 24).trim(), selected: Boolean(cell?.isInverse()) });
    }
    return { text, rows, selected: rows.findIndex((r) => r.selected) };
  };
  const until = async (what: string, ok: (g: Awaited<ReturnType<typeof grid>>) => boolean, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const g = await grid();
      if (ok(g)) return g;
      expect(Date.now() < deadline, `${what} (selected ${g.selected} of ${JSON.stringify(g.rows)}):\n${g.text.join("\n")}`).toBe(true);
      await sleep(50);
    }
  };
  return { child, exited, grid, until, raw };
}

describe('a held key on a terminal', () => {
  it('40 presses of j in one write move 40 rows, or to the last row', async () => {
    const { child, exited, grid, until, raw } = await startTui();
    try {
      const start = await until('the grid never completed', (g) => g.rows.length > 3 && g.selected === 0 && g.text.some((l) => /\d+ faulted|all services ok/.test(l)));
      expect(start.rows.length).toBeGreaterThan(3);
      // Other tests may add or remove containers on the shared lab meanwhile: the last row is
      // read from each frame.
      const target = (g: { rows: unknown[] }) => Math.min(40, g.rows.length - 1);
      child.stdin.write('j'.repeat(40));
      const moved = await until('the selection did not reach row 40 or the last row', (g) => g.selected === target(g), 10_000);
      // And stays there: no key was left over to arrive later.
      await sleep(500);
      expect((await grid()).selected).toBe(moved.selected);
      // Three k's in one write, while it is there: three rows back up.
      child.stdin.write('kkk');
      await until(`three k's did not move up three rows`, (g) => g.selected === moved.selected - 3, 10_000);
      expect(raw()).toContain('\u001b[?2004h');
    } finally {
      child.stdin.write('q');
      const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') child.kill('SIGKILL');
    }
    expect(await exited).toBe(0);
    // The terminal is handed back with bracketed paste off again.
    expect(raw().lastIndexOf('\u001b[?2004l')).toBeGreaterThan(raw().lastIndexOf('\u001b[?2004h'));
  }, 120_000);

  it('turns bracketed paste off again when opsdeck is killed by a signal', async () => {
    const { child, exited, until, raw } = await startTui();
    try {
      await until('the grid never completed', (g) => g.rows.length > 3);
      expect(raw()).toContain('\u001b[?2004h');
      // script(1) runs the shell that execs node: opsdeck is script's child.
      const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
      const node = kids.find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('opsdeck.mjs'));
      expect(node, 'the opsdeck process under script').toBeDefined();
      process.kill(node!, 'SIGTERM');
      const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
      expect(code).not.toBe('timeout');
    } finally {
      child.kill('SIGKILL');
    }
    expect(raw().lastIndexOf('\u001b[?2004l')).toBeGreaterThan(raw().lastIndexOf('\u001b[?2004h'));
  }, 120_000);
});
