/**
 * Shell completion, step one: the command table that prints `--help` (CommandSpec, OptionTable)
 * turned into a plain tree the three script generators (bash.ts, zsh.ts, fish.ts) walk. A new
 * command, subcommand or option is in the next generated script without anyone editing those.
 *
 * What the table does not say is in COMPLETION_HINTS, kept small: which positional takes a
 * runbook or a profile name, and which option values are server names, groups, files or
 * directories (from the option's name and its help value name: PATH, FILE, DIR).
 */
import type { CommandSpec, OptionSpec } from '../command.js';

/** Words that change with the user's files: the scripts ask `opsdeck completion --words KIND`. */
export const WORD_SOURCES = ['hosts', 'profiles', 'groups', 'runbooks'] as const;
export type WordSource = (typeof WORD_SOURCES)[number];

/** How an option's value (or a positional) is completed. */
export type ValueCompletion = { kind: 'none' } | { kind: 'files' } | { kind: 'dirs' } | { kind: 'words'; words: string[] } | { kind: 'dynamic'; source: WordSource };

export interface ModelOption {
  /** Without the dashes: `host`. */
  long: string;
  short?: string;
  takesValue: boolean;
  valueName?: string;
  value: ValueCompletion;
  description: string;
}

export interface ModelCommand {
  name: string;
  /** [] for the program itself, ['runbook', 'run'] for `opsdeck runbook run`. */
  path: string[];
  summary: string;
  /** Not offered as a word (the implicit `ui`), but its options complete when it is typed. */
  hidden: boolean;
  options: ModelOption[];
  subcommands: ModelCommand[];
  /** The first positional, when something is known about it. */
  positional?: ValueCompletion;
}

export interface CompletionModel {
  program: string;
  root: ModelCommand;
}

export interface CompletionHints {
  /** The command that runs when none is named: its options are the program's own. */
  defaultCommand?: string;
  /** First positional by command path (`runbook run`). */
  positionals: Record<string, ValueCompletion>;
  /** An option's value, from its name and table entry. */
  optionValue: (name: string, spec: OptionSpec) => ValueCompletion;
}

/** The shells a script can be generated for (also the words for `opsdeck completion <TAB>`). */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export const COMPLETION_HINTS: CompletionHints = {
  defaultCommand: 'ui',
  positionals: {
    'runbook run': { kind: 'dynamic', source: 'runbooks' },
    'runbook show': { kind: 'dynamic', source: 'runbooks' },
    'hosts remove': { kind: 'dynamic', source: 'profiles' },
    'hosts show': { kind: 'dynamic', source: 'profiles' },
    unlock: { kind: 'words', words: ['check'] },
    completion: { kind: 'words', words: [...SHELLS] },
  },
  optionValue: (name, spec) => {
    if (spec.type !== 'string') return { kind: 'none' };
    if (name === 'host') return { kind: 'dynamic', source: 'hosts' };
    if (name === 'group') return { kind: 'dynamic', source: 'groups' };
    if (name === 'words') return { kind: 'words', words: [...WORD_SOURCES] };
    if (spec.valueName === 'PATH' || spec.valueName === 'FILE') return { kind: 'files' };
    if (spec.valueName === 'DIR') return { kind: 'dirs' };
    return { kind: 'none' };
  },
};

/** Command and option names baked into a script: plain words, so no shell ever needs them quoted. */
const STATIC_WORD = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkWord(word: string, what: string): string {
  if (!STATIC_WORD.test(word)) throw new Error(`completion: ${what} '${word}' is not a plain word (letters, digits, . _ -)`);
  return word;
}

const HELP: ModelOption = { long: 'help', short: 'h', takesValue: false, value: { kind: 'none' }, description: 'show help' };
const VERSION: ModelOption = { long: 'version', short: 'V', takesValue: false, value: { kind: 'none' }, description: 'print the version' };

function modelOptions(spec: CommandSpec, hints: CompletionHints): ModelOption[] {
  const out: ModelOption[] = [];
  for (const [name, o] of Object.entries(spec.options)) {
    out.push({
      long: checkWord(name, 'option'),
      ...(o.short ? { short: checkWord(o.short, 'short option') } : {}),
      takesValue: o.type === 'string',
      ...(o.valueName ? { valueName: o.valueName } : {}),
      value: o.type === 'string' ? hints.optionValue(name, o) : { kind: 'none' },
      description: o.description,
    });
  }
  // main.ts answers --help (and -h) for every command, before its options are parsed.
  if (!out.some((o) => o.long === 'help')) out.push(HELP);
  return out;
}

function modelCommand(spec: CommandSpec, parent: string[], hints: CompletionHints): ModelCommand {
  const path = [...parent, checkWord(spec.name, 'command')];
  const positional = spec.subcommands?.length ? undefined : hints.positionals[path.join(' ')];
  for (const w of positional?.kind === 'words' ? positional.words : []) checkWord(w, 'positional word');
  return {
    name: spec.name,
    path,
    summary: spec.summary,
    hidden: spec.hidden === true,
    options: modelOptions(spec, hints),
    subcommands: (spec.subcommands ?? []).map((s) => modelCommand(s, path, hints)),
    ...(positional ? { positional } : {}),
  };
}

/** The tree for `commands` (the list `opsdeck --help` prints from). */
export function completionModel(commands: readonly CommandSpec[], hints: CompletionHints = COMPLETION_HINTS, program = 'opsdeck'): CompletionModel {
  checkWord(program, 'program name');
  const subcommands = commands.map((c) => modelCommand(c, [], hints));
  const def = hints.defaultCommand ? subcommands.find((c) => c.name === hints.defaultCommand) : undefined;
  const rootOptions = [...(def?.options.filter((o) => o.long !== 'help') ?? []), HELP, VERSION];
  return { program, root: { name: program, path: [], summary: '', hidden: false, options: rootOptions, subcommands } };
}

/** Every command in the tree, the program first, parents before their subcommands. */
export function allCommands(model: CompletionModel): ModelCommand[] {
  const out: ModelCommand[] = [];
  const walk = (c: ModelCommand) => {
    out.push(c);
    c.subcommands.forEach(walk);
  };
  walk(model.root);
  return out;
}

/** What a script puts in a `case` for a value: `hosts`, `files`, `words` ... */
export function valueTag(v: ValueCompletion): string {
  return v.kind === 'dynamic' ? `dynamic:${v.source}` : v.kind === 'words' ? `words:${v.words.join(',')}` : v.kind;
}

/** A description on one line, printable, not too long (zsh and fish show it next to the word). */
export function oneLineDescription(text: string, max = 80): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}
