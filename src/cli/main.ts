import type { CommandIO, CommandSpec } from './command.js';
import { parseCommandArgs, renderCommandHelp } from './command.js';
import { EXIT, UserError, formatError } from '../errors.js';
import { loadCommand, loadCommands } from './commands/index.js';
import { versionLine } from '../version.js';



export async function renderTopHelp(): Promise<string> {
  const visible = (await loadCommands()).filter((c) => !c.hidden);
  const rows: [string, string][] = [['opsdeck [--host H]', 'open the terminal UI (the default command)']];
  for (const c of visible) {
    if (c.subcommands) for (const s of c.subcommands) rows.push([`opsdeck ${c.name} ${s.name}`, s.summary]);
    else rows.push([`opsdeck ${c.name}`, c.summary]);
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  return [
    'opsdeck: an operations console for production on one self-managed server',
    '',
    'Usage: opsdeck [COMMAND] [options]',
    '',
    'Commands:',
    ...rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`),
    '',
    'Options:',
    '  -h, --help     show help (also: opsdeck COMMAND --help)',
    '  -V, --version  print the version',
    '',
    'Environment: OPSDECK_CONFIG (profile store), OPSDECK_DEBUG=1 (stack traces), NO_COLOR.',
    '',
  ].join('\n');
}

/** Run the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    io.stderr.write(formatError(err) + '\n');
    return err instanceof UserError ? err.exitCode : EXIT.error;
  }
}

async function dispatch(argv: string[], io: CommandIO): Promise<number> {
  const first = argv[0];
  if (first === '--version' || first === '-V') {
    io.stdout.write(versionLine() + '\n');
    return EXIT.ok;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? argv.slice(1) : [];
    if (topic.length === 0) {
      io.stdout.write(await renderTopHelp());
      return EXIT.ok;
    }
    return dispatch([...topic, '--help'], io);
  }
  // No command, or only flags: the TUI.
  let spec: CommandSpec | undefined;
  let rest: string[];
  if (first === undefined || first.startsWith('-')) {
    spec = await loadCommand('ui');
    rest = argv;
  } else {
    spec = await loadCommand(first);
    rest = argv.slice(1);
    if (!spec) throw new UserError(`unknown command '${first}'`, { hint: `Run 'opsdeck --help' for the list of commands.` });
  }
  if (!spec) throw new UserError('no terminal UI in this build');
  let path = spec.name;
  while (spec.subcommands) {
    const sub = rest[0];
    if (sub === undefined) {
      // A usage error like any other: one line and a hint on stderr, not the help on stdout.
      throw new UserError(`${path}: name one of its commands: ${spec.subcommands.map((s) => s.name).join(', ')}`, { hint: `Run 'opsdeck ${path} --help' for what each does.` });
    }
    if (sub === '--help' || sub === '-h') {
      io.stdout.write(renderCommandHelp(spec, path));
      return EXIT.ok;
    }
    const next: CommandSpec | undefined = spec.subcommands.find((s) => s.name === sub);
    if (!next) throw new UserError(`unknown command '${path} ${sub}'`, { hint: `Run 'opsdeck ${path} --help' for its commands.` });
    spec = next;
    path = `${path} ${sub}`;
    rest = rest.slice(1);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(renderCommandHelp(spec, path));
    return EXIT.ok;
  }
  const { values, positionals } = parseCommandArgs(spec, rest, path);
  if (spec.maxPositionals !== undefined && positionals.length > spec.maxPositionals) {
    throw new UserError(`${path}: unexpected argument '${positionals[spec.maxPositionals]}'`, { hint: `Run 'opsdeck ${path} --help' for usage.` });
  }
  if (!spec.run) throw new UserError(`'${path}' cannot be run on its own`);
  return spec.run({ ...io, values, positionals });
}
