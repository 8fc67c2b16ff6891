/**
 * A very small model of the shell code opsdeck sends to a server for backups and restores:
 * commands are argv arrays whose words are literals, shell variables, or both glued together;
 * a pipeline is a list of commands with their redirections. Rendering turns literals into shell
 * words with THE quoting function (quoteArg) and variables into "${NAME}", so data never becomes
 * code: values reach the server either as quoted literals or as variables assigned from quoted
 * literals. Nothing here glues strings into commands.
 */
import { quoteArg } from '../transport/shell-quote.js';

export type Word = string | VarRef | Concat;
export interface VarRef {
  readonly var: string;
}
export interface Concat {
  readonly concat: readonly Word[];
}

export interface Command {
  readonly argv: readonly Word[];
  /** `< FILE` */
  readonly stdin?: Word;
  /** `> FILE` */
  readonly stdout?: Word;
  /** `2> FILE` */
  readonly stderr?: Word;
  /** `N< FILE`: extra descriptors opened for reading (gpg --passphrase-fd 3). */
  readonly readFds?: readonly { fd: number; from: Word }[];
}

/** One line of a step. Every failing statement ends the step with `message`, naming what broke. */
export type Statement =
  | { kind: 'run'; pipeline: readonly Command[]; message: string }
  /** NAME=$(pipeline); the variable must be declared by the script. */
  | { kind: 'capture'; into: string; pipeline: readonly Command[]; message: string }
  /** [ test words ], or [ ! test words ] with negate */
  | { kind: 'check'; test: readonly Word[]; negate?: boolean; message: string };

const VAR_RE = /^[A-Z][A-Z0-9_]*$/;

export function v(name: string): VarRef {
  if (!VAR_RE.test(name)) throw new Error(`not a script variable name: ${name}`);
  return { var: name };
}

export function cat(...parts: Word[]): Concat {
  return { concat: parts };
}

export function cmd(argv: readonly Word[], redirs: Omit<Command, 'argv'> = {}): Command {
  if (argv.length === 0) throw new Error('a command needs a program');
  return { argv, ...redirs };
}

export function renderWord(w: Word): string {
  if (typeof w === 'string') return quoteArg(w);
  if ('var' in w) {
    if (!VAR_RE.test(w.var)) throw new Error(`not a script variable name: ${w.var}`);
    return `"\${${w.var}}"`;
  }
  if (w.concat.length === 0) return "''";
  return w.concat.map(renderWord).join('');
}

export function renderCommand(c: Command): string {
  let s = c.argv.map(renderWord).join(' ');
  for (const f of c.readFds ?? []) {
    if (!Number.isInteger(f.fd) || f.fd < 3 || f.fd > 9) throw new Error('extra descriptors are 3-9');
    s += ` ${f.fd}<${renderWord(f.from)}`;
  }
  if (c.stdin !== undefined) s += ` <${renderWord(c.stdin)}`;
  if (c.stdout !== undefined) s += ` >${renderWord(c.stdout)}`;
  if (c.stderr !== undefined) s += ` 2>${renderWord(c.stderr)}`;
  return s;
}

export function renderPipeline(p: readonly Command[]): string {
  if (p.length === 0) throw new Error('an empty pipeline');
  return p.map(renderCommand).join(' | ');
}

/** A statement as one line of bash inside a step function (which returns 1 on failure). */
export function renderStatement(s: Statement): string {
  const onFail = `|| { step_failed ${quoteArg(s.message)}; return 1; }`;
  switch (s.kind) {
    case 'run':
      return `${renderPipeline(s.pipeline)} ${onFail}`;
    case 'capture':
      if (!VAR_RE.test(s.into)) throw new Error(`not a script variable name: ${s.into}`);
      return `${s.into}=$(${renderPipeline(s.pipeline)}) ${onFail}`;
    case 'check':
      return `[ ${s.negate ? '! ' : ''}${s.test.map(renderWord).join(' ')} ] ${onFail}`;
  }
}

/** `NAME=value` with the value quoted; how settings and run parameters enter a script. */
export function renderAssignment(name: string, value: string | number): string {
  if (!VAR_RE.test(name)) throw new Error(`not a script variable name: ${name}`);
  return `${name}=${quoteArg(String(value))}`;
}

/** `NAME=(a b c)` for lists (databases). */
export function renderArrayAssignment(name: string, values: readonly string[]): string {
  if (!VAR_RE.test(name)) throw new Error(`not a script variable name: ${name}`);
  return `${name}=(${values.map(quoteArg).join(' ')})`;
}
