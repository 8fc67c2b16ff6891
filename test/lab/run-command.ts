// One way to run a host command from the lab: argv arrays only (no shell), a clean one-line error
// naming the command and its last line of stderr, and secrets passed on stdin rather than argv.
import { execa } from 'execa';

export interface RunOptions {
  /** Fed to the command's stdin: the place for passwords, so they never show up in `ps`. */
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export async function run(argv: string[], opts: RunOptions = {}): Promise<string> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('run: empty argv');
  const result = await execa(cmd, args, {
    input: opts.input,
    env: opts.env,
    extendEnv: opts.env === undefined,
    cwd: opts.cwd,
    timeout: opts.timeoutMs,
    reject: false,
    stripFinalNewline: true,
  });
  if (result.failed) {
    const why = lastLine(result.stderr) || lastLine(result.stdout) || result.shortMessage;
    throw new Error(`${argv.slice(0, 3).join(' ')}${argv.length > 3 ? ' …' : ''} failed: ${why}`);
  }
  return result.stdout;
}

/** Like run(), but a non-zero exit is an answer, not an error. */
export async function probe(argv: string[], opts: RunOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('probe: empty argv');
  const result = await execa(cmd, args, { input: opts.input, env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs, reject: false });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function lastLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n').pop()?.trim() ?? '';
}
