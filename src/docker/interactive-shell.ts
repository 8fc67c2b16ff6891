import type Dockerode from 'dockerode';
import type { Duplex } from 'node:stream';

export interface TerminalIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

// bash when the image has it, else sh: what an operator expects from "shell into it".
const SHELL = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

/**
 * An interactive shell in a container, on the operator's terminal: a TTY exec through the Docker
 * API (so it rides the same SSH connection as everything else, or the local socket), raw input
 * passed through, window size changes forwarded. Resolves with the shell's exit code when it ends.
 */
export async function runInteractiveShell(docker: Dockerode, containerId: string, io: TerminalIO): Promise<number | null> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: SHELL,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    Env: [`TERM=${process.env.TERM ?? 'xterm-256color'}`],
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
  const resize = () => {
    void exec.resize({ h: io.stdout.rows || 24, w: io.stdout.columns || 80 }).catch(() => undefined);
  };
  const wasRaw = io.stdin.isRaw;
  io.stdin.setRawMode?.(true);
  io.stdin.resume();
  const toServer = (d: Buffer) => stream.write(d);
  io.stdin.on('data', toServer);
  stream.on('data', (d: Buffer) => io.stdout.write(d));
  io.stdout.on('resize', resize);
  resize();
  try {
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
  } finally {
    io.stdin.off('data', toServer);
    io.stdout.off('resize', resize);
    io.stdin.setRawMode?.(wasRaw ?? false);
    io.stdin.pause();
  }
  const info = await exec.inspect().catch(() => undefined);
  return info?.ExitCode ?? null;
}
