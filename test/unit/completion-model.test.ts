import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../src/cli/command.js';
import { loadCommands } from '../../src/cli/commands/index.js';
import { allCommands, completionModel, COMPLETION_HINTS, type CompletionHints } from '../../src/cli/completion/completion-model.js';

const host = { type: 'string', valueName: 'NAME', description: 'server' } as const;

const table: CommandSpec[] = [
  { name: 'ui', hidden: true, summary: 'the TUI', usage: '', options: { host, readonly: { type: 'boolean', description: 'read only' } } },
  { name: 'status', summary: 'health', usage: '', options: { host, json: { type: 'boolean', description: 'json' }, tail: { type: 'string', short: 'n', valueName: 'N', description: 'lines' } } },
  {
    name: 'runbook',
    summary: 'runbooks',
    usage: '',
    options: {},
    subcommands: [
      { name: 'list', summary: 'list them', usage: '', options: { config: { type: 'string', valueName: 'PATH', description: 'store' } } },
      { name: 'run', summary: 'run one', usage: '', options: { host, to: { type: 'string', valueName: 'DIR', description: 'where' } } },
    ],
  },
];

describe('the completion model', () => {
  const model = completionModel(table);

  it('has the program at its root with the default command’s options, --help and --version', () => {
    expect(model.program).toBe('opsdeck');
    expect(model.root.path).toEqual([]);
    expect(model.root.options.map((o) => o.long)).toEqual(['host', 'readonly', 'help', 'version']);
    expect(model.root.options.find((o) => o.long === 'version')?.short).toBe('V');
  });

  it('keeps every command, the hidden one marked, subcommands with their paths', () => {
    expect(model.root.subcommands.map((c) => [c.name, c.hidden])).toEqual([
      ['ui', true],
      ['status', false],
      ['runbook', false],
    ]);
    const runbook = model.root.subcommands[2]!;
    expect(runbook.subcommands.map((s) => s.path.join(' '))).toEqual(['runbook list', 'runbook run']);
    expect(allCommands(model).map((c) => c.path.join(' '))).toEqual(['', 'ui', 'status', 'runbook', 'runbook list', 'runbook run']);
  });

  it('gives every command --help and says which options take a value and how it completes', () => {
    const status = model.root.subcommands[1]!;
    expect(status.options.map((o) => o.long)).toEqual(['host', 'json', 'tail', 'help']);
    expect(status.options.find((o) => o.long === 'host')).toMatchObject({ takesValue: true, value: { kind: 'dynamic', source: 'hosts' } });
    expect(status.options.find((o) => o.long === 'json')).toMatchObject({ takesValue: false, value: { kind: 'none' } });
    expect(status.options.find((o) => o.long === 'tail')).toMatchObject({ takesValue: true, short: 'n', valueName: 'N', value: { kind: 'none' } });
    const [list, run] = model.root.subcommands[2]!.subcommands;
    expect(list!.options.find((o) => o.long === 'config')!.value).toEqual({ kind: 'files' });
    expect(run!.options.find((o) => o.long === 'to')!.value).toEqual({ kind: 'dirs' });
  });

  it('takes positionals from the hints by command path', () => {
    const run = model.root.subcommands[2]!.subcommands[1]!;
    expect(run.positional).toEqual({ kind: 'dynamic', source: 'runbooks' });
    expect(model.root.subcommands[2]!.subcommands[0]!.positional).toBeUndefined();
    const hints: CompletionHints = { ...COMPLETION_HINTS, positionals: { status: { kind: 'words', words: ['a', 'b'] } } };
    expect(completionModel(table, hints).root.subcommands[1]!.positional).toEqual({ kind: 'words', words: ['a', 'b'] });
  });

  it('refuses a command or option name a script would have to quote', () => {
    expect(() => completionModel([{ name: 'bad name', summary: '', usage: '', options: {} }])).toThrow(/not a plain word/);
    expect(() => completionModel([{ name: 'ok', summary: '', usage: '', options: { 'x$(y)': { type: 'boolean', description: '' } } }])).toThrow(/not a plain word/);
    const hints: CompletionHints = { ...COMPLETION_HINTS, positionals: { ok: { kind: 'words', words: ['a b'] } } };
    expect(() => completionModel([{ name: 'ok', summary: '', usage: '', options: {} }], hints)).toThrow(/not a plain word/);
  });

  it('covers the real command table, completion itself included', async () => {
    const real = completionModel(await loadCommands());
    const paths = allCommands(real).map((c) => c.path.join(' '));
    for (const p of ['status', 'hosts list', 'hosts add', 'backup run', 'runbook run', 'runbook show', 'completion']) expect(paths).toContain(p);
    const byPath = new Map(allCommands(real).map((c) => [c.path.join(' '), c]));
    expect(byPath.get('runbook run')!.positional).toEqual({ kind: 'dynamic', source: 'runbooks' });
    expect(byPath.get('completion')!.positional).toEqual({ kind: 'words', words: ['bash', 'zsh', 'fish'] });
    expect(byPath.get('status')!.options.map((o) => o.long)).toEqual(expect.arrayContaining(['host', 'ssh-config', 'config', 'group', 'json']));
    expect(byPath.get('status')!.options.find((o) => o.long === 'group')!.value).toEqual({ kind: 'dynamic', source: 'groups' });
    expect(real.root.options.map((o) => o.long)).toEqual(expect.arrayContaining(['host', 'group', 'readonly', 'help', 'version']));
  });
});
