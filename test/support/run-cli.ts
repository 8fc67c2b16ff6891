import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** Run the CLI in-process, as the binary would, and collect what it printed and its exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough(), env });
  return { code, out, err };
}
