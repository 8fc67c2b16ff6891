import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../src/cli/command.js';
import { loadCommands } from '../../src/cli/commands/index.js';
import { bashScript } from '../../src/cli/completion/bash.js';
import { completionModel } from '../../src/cli/completion/completion-model.js';
import { fishScript } from '../../src/cli/completion/fish.js';
import { fishQuote, isSafeWord, shQuote } from '../../src/cli/completion/script-text.js';
import { zshScript } from '../../src/cli/completion/zsh.js';

const real = await loadCommands();

/** The real table plus a command nobody wrote completion for. */
const withNew: CommandSpec[] = [
  ...real,
  {
    name: 'frobnicate',
    summary: "turn the knob (it's \"loud\")",
    usage: '',
    options: { 'knob-size': { type: 'string', valueName: 'N', description: 'how big' }, gently: { type: 'boolean', description: 'softly' } },
    subcommands: [{ name: 'twice', summary: 'again', usage: '', options: { 'to-file': { type: 'string', valueName: 'FILE', description: 'write it' } } }],
  },
];

const generators = { bash: bashScript, zsh: zshScript, fish: fishScript };

describe.each(Object.entries(generators))('the %s script', (shell, generate) => {
  const text = generate(completionModel(real));

  it('names every command, subcommand and option of the table', () => {
    for (const c of real.filter((c) => !c.hidden)) expect(text, c.name).toContain(c.name);
    for (const sub of ['list', 'add', 'remove', 'show', 'run', 'verify', 'prune', 'schedule', 'resume']) expect(text).toContain(sub);
    for (const opt of ['--host', '--ssh-config', '--config', '--json', '--group', '--readonly', '--tail', '--param', '--version', '--help']) expect(text, opt).toContain(opt);
  });

  it('asks the program for the words that live in files, by its name on PATH', () => {
    expect(text).toMatch(/command opsdeck completion --words/);
    for (const source of ['dynamic:hosts', 'dynamic:runbooks', 'dynamic:profiles', 'dynamic:groups']) expect(text).toContain(source);
    expect(text).toContain("'^[A-Za-z0-9._@:/][A-Za-z0-9._@:/-]*$'");
    expect(text).not.toMatch(/\beval\b/);
    expect(text).not.toContain('compgen -W');
  });

  it('takes a new command and option without anyone editing it', () => {
    const before = generate(completionModel(real));
    const after = generate(completionModel(withNew));
    for (const w of ['frobnicate', '--knob-size', '--gently', 'twice', '--to-file']) {
      expect(before).not.toContain(w);
      expect(after).toContain(w);
    }
    expect(after).toContain('--to-file:files');
    expect(after).toContain('--knob-size:none');
    if (shell !== 'bash') expect(after).toContain('turn the knob');
  });

  it('registers for the program', () => {
    const line = { bash: 'complete -F _opsdeck opsdeck', zsh: '#compdef opsdeck', fish: "complete -c opsdeck -f -a '(__opsdeck_complete)'" }[shell]!;
    expect(text).toContain(line);
  });
});

describe('script text', () => {
  it('quotes for POSIX shells and for fish', () => {
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(fishQuote("it's a \\ back")).toBe(`'it\\'s a \\\\ back'`);
  });

  it('quotes descriptions in zsh and fish scripts', () => {
    const model = completionModel(withNew);
    expect(zshScript(model)).toContain(`'frobnicate:turn the knob (it'\\''s "loud")'`);
    expect(fishScript(model)).toContain(`'turn the knob (it\\'s "loud")'`);
  });

  it('offers only words made of safe characters', () => {
    for (const w of ['web-1', 'db.example.com', 'deploy@web-1', 'fe80::1', 'runbooks/x', 'a_b']) expect(isSafeWord(w), w).toBe(true);
    for (const w of ['', 'a b', "it's", 'a"b', '$(id)', '`id`', 'a;b', 'a|b', '*', 'we?b', '-oProxyCommand=x', 'a\tb', 'a\nb', 'a\u001b[31m', 'x'.repeat(300), 'a%h', 'é']) {
      expect(isSafeWord(w), JSON.stringify(w)).toBe(false);
    }
  });
});
