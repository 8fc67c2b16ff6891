/**
 * opsdeck completion bash|zsh|fish: print a completion script generated from the command table
 * `--help` prints from. The scripts call `opsdeck completion --words KIND` for the words that
 * live in files (profiles, ssh_config aliases, groups, runbooks): that path loads no command
 * module, no TUI and no zod, and never connects.
 *
 * The command list comes from index.ts as a function (a static import of index.ts from here
 * would be an import circle).
 */
import type { CommandSpec } from '../command.js';
import { connectionOptions } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { SHELLS, WORD_SOURCES, completionModel, type Shell, type WordSource } from '../completion/completion-model.js';

export function completionCommand(loadAll: () => Promise<CommandSpec[]>): CommandSpec {
  return {
    name: 'completion',
    summary: 'print a shell completion script: bash, zsh or fish',
    usage: 'completion bash|zsh|fish',
    maxPositionals: 1,
    options: {
      words: {
        type: 'string',
        valueName: 'KIND',
        description: `for the scripts: print the words to complete, one a line: ${WORD_SOURCES.join(', ')}`,
      },
      config: connectionOptions.config!,
      'ssh-config': connectionOptions['ssh-config']!,
    },
    run: async (ctx) => {
      const words = ctx.values.words;
      if (typeof words === 'string') {
        if (!(WORD_SOURCES as readonly string[]).includes(words)) throw new UserError(`completion: --words takes one of ${WORD_SOURCES.join(', ')}, got '${words}'`);
        if (ctx.positionals.length) throw new UserError(`completion: unexpected argument '${ctx.positionals[0]}' with --words`);
        const { completionWords } = await import('../completion/completion-words.js');
        const config = ctx.values.config;
        const sshConfig = ctx.values['ssh-config'];
        let list: string[] = [];
        try {
          list = await completionWords(words as WordSource, {
            env: ctx.env,
            ...(typeof config === 'string' ? { configPath: config } : {}),
            ...(typeof sshConfig === 'string' ? { sshConfigPath: sshConfig } : {}),
          });
        } catch {
          // Completion prints nothing rather than an error into the line being typed.
        }
        ctx.stdout.write(list.map((w) => `${w}\n`).join(''));
        return EXIT.ok;
      }
      const shell = ctx.positionals[0];
      if (shell === undefined) throw new UserError(`completion: name a shell: ${SHELLS.join(', ')}`, { hint: "e.g. 'source <(opsdeck completion bash)' in ~/.bashrc" });
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new UserError(`completion: unexpected argument '${shell}': name a shell: ${SHELLS.join(', ')}`);
      }
      const model = completionModel(await loadAll());
      const text = await scriptFor(shell as Shell, model);
      ctx.stdout.write(text);
      return EXIT.ok;
    },
  };
}

async function scriptFor(shell: Shell, model: ReturnType<typeof completionModel>): Promise<string> {
  switch (shell) {
    case 'bash':
      return (await import('../completion/bash.js')).bashScript(model);
    case 'zsh':
      return (await import('../completion/zsh.js')).zshScript(model);
    case 'fish':
      return (await import('../completion/fish.js')).fishScript(model);
  }
}
