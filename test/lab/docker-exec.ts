// `docker exec` through the Engine API: argv in, exit code and both streams out, optional stdin
// (how a password or a SQL script gets in without showing in any process's argv).
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function execInContainer(
  docker: Docker,
  container: string,
  argv: string[],
  opts: { input?: string; env?: string[]; user?: string } = {},
): Promise<ExecResult> {
  const withStdin = opts.input !== undefined;
  const exec = await docker.getContainer(container).exec({
    Cmd: argv,
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    Env: opts.env,
    User: opts.user,
  });
  const stream = await exec.start({ hijack: true, stdin: withStdin });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  docker.modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  if (withStdin) {
    // Half-close: the process sees EOF on stdin while we keep reading its output.
    stream.end(opts.input);
  }
  await ended;
  // The stream can end a moment before the Engine records the exit code.
  let info = await exec.inspect();
  for (let i = 0; info.Running && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    info = await exec.inspect();
  }
  return {
    code: info.ExitCode ?? -1,
    stdout: Buffer.concat(chunks.out).toString('utf8'),
    stderr: Buffer.concat(chunks.err).toString('utf8'),
  };
}
