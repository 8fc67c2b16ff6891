import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import type { ServerConnection } from '../transport/connection.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help after the flag: `--host NAME`. */
  valueName?: string;
}

export type OptionTable = Record<string, OptionSpec>;

export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface CommandContext<V = Record<string, string | boolean | string[] | undefined>> extends CommandIO {
  values: V;
  positionals: string[];
  /**
   * An open connection to use instead of opening one: a runbook's typed actions run commands over
   * the run's own connection. The command does not close it.
   */
  connection?: ServerConnection;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage line without the leading `opsdeck `, e.g. `status [--json]`. */
  usage: string;
  options: OptionTable;
  /** Subcommands (`hosts list`, `backup run`): when present, the first positional picks one. */
  subcommands?: CommandSpec[];
  /** Hidden from the command list (the implicit TUI command). */
  hidden?: boolean;
  /** How many positional arguments it takes at most, when it does not check them itself. */
  maxPositionals?: number;
  run?: (ctx: CommandContext) => Promise<number>;
}

export function parseCommandArgs(spec: CommandSpec, argv: string[], path: string): { values: CommandContext['values']; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as CommandContext['values'], positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UserError(`${path}: ${describeParseError(msg)}`, { hint: `Run 'opsdeck ${path} --help' for usage.` });
  }
}

// node:util's messages are long and mention "strict mode"; keep the part an operator needs.
function describeParseError(msg: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(msg);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /Option '([^']+)' argument missing/.exec(msg);
  if (missing) return `option ${missing[1]!.replace(/^-\w, /, '').replace(/ <value>$/, '')} needs a value`;
  const unexpected = /Option '([^']+)' does not take an argument/.exec(msg);
  if (unexpected) return `option ${unexpected[1]!.replace(/^-\w, /, '')} takes no value`;
  return msg.split('\n')[0] ?? msg;
}

export function renderCommandHelp(spec: CommandSpec, path: string): string {
  const lines = [`Usage: opsdeck ${spec.usage}`, '', spec.summary];
  if (spec.subcommands?.length) {
    lines.push('', 'Commands:');
    const w = Math.max(...spec.subcommands.map((s) => s.name.length));
    for (const sub of spec.subcommands) lines.push(`  ${sub.name.padEnd(w)}  ${sub.summary}`);
    lines.push('', `Run 'opsdeck ${path} COMMAND --help' for a command's options.`);
  }
  const opts = Object.entries(spec.options);
  if (opts.length) {
    lines.push('', 'Options:');
    const flags = opts.map(([name, o]) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.valueName ? ` ${o.valueName}` : ''}`);
    const w = Math.max(...flags.map((f) => f.length));
    opts.forEach(([, o], k) => lines.push(`  ${flags[k]!.padEnd(w)}  ${o.description}`));
  }
  return lines.join('\n') + '\n';
}

/** Parse an integer flag with bounds; bad values are user errors naming the flag. */
export function intOption(value: unknown, flag: string, { min, max, fallback }: { min: number; max: number; fallback: number }): number {
  if (value === undefined) return fallback;
  const s = String(value).trim();
  if (!/^\d+$/.test(s)) throw new UserError(`--${flag} must be a whole number, got '${s}'`);
  const n = Number(s);
  if (n < min || n > max) throw new UserError(`--${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}
