/**
 * The one quoting function. Every command that leaves for a server as a string (an SSH exec
 * request is a single string that the remote user's shell parses) is built here from an argv
 * array. Nothing else in the code base may glue user or server data into a shell command.
 */

// Characters that a POSIX shell never treats specially, so a word made only of them needs no quotes.
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export class UnquotableArgumentError extends Error {
  constructor() {
    super('argument contains a NUL byte, which no shell command can carry');
  }
}

/** Quote one word for a POSIX shell (sh, bash, dash, busybox ash). */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new UnquotableArgumentError();
  if (arg !== '' && SAFE.test(arg)) return arg;
  // Inside single quotes nothing is special except the closing quote itself.
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Build a shell command line from argv. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellCommand needs at least a program name');
  return argv.map(quoteArg).join(' ');
}

/**
 * Several argv commands joined into one pipeline, for the server-side pipelines (pg_dump | gpg)
 * where each stage is still an argv array. `pipefail` is the caller's business (bash -o pipefail).
 */
export function shellPipeline(stages: readonly (readonly string[])[]): string {
  return stages.map(shellCommand).join(' | ');
}
