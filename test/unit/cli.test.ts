import { describe, it, expect } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { renderTopHelp } from '../../src/cli/main.js';
import { loadCommands } from '../../src/cli/commands/index.js';

const commands = await loadCommands();

const run = runCli;

describe('the opsdeck command line', () => {
  it('prints its version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    // From the sources (tsx, as here): the version and where it came from; a bundle says its commit.
    expect(r.out.trim()).toMatch(/^opsdeck \d+\.\d+\.\d+ \((source|[0-9a-f]{7,}(-dirty)?|unknown)\)$/);
  });

  it('lists every visible command with one line each in --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(await renderTopHelp());
    for (const c of commands.filter((c) => !c.hidden)) {
      const names = c.subcommands ? c.subcommands.map((s) => `opsdeck ${c.name} ${s.name}`) : [`opsdeck ${c.name}`];
      for (const n of names) expect(r.out).toMatch(new RegExp(`^  ${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\S`, 'm'));
    }
  });

  it('gives help for each command', async () => {
    for (const c of commands) {
      const r = await run([c.name, '--help']);
      expect(r.code, c.name).toBe(0);
      expect(r.out, c.name).toContain('Usage: opsdeck');
    }
  });

  it('rejects an unknown command with one line, a hint and exit 2', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("opsdeck: unknown command 'frobnicate'\nRun 'opsdeck --help' for the list of commands.\n");
  });

  it('rejects an unknown flag with one line, a hint and exit 2, and no stack trace', async () => {
    const r = await run(['--bogus']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('opsdeck: ui: unknown option --bogus');
    expect(r.err).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  });

  it('sanitises hostile text that reaches an error message', async () => {
    const r = await run(['\u001b]0;owned\u0007evil\u001b[2J']);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('\u001b');
    expect(r.err).toContain("unknown command 'evil'");
  });
});
