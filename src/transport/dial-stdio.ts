/**
 * The fallback route to the Docker API: `docker system dial-stdio` in an exec channel, which is
 * what `docker -H ssh://HOST` runs on the server. The channel's stdin/stdout are a raw connection
 * to the daemon. It needs the docker CLI on the server, and each open stream holds one of the
 * connection's session slots (sshd MaxSessions).
 */
import type { ClientChannel } from 'ssh2';
import { sanitise } from '../text/sanitise.js';
import { shellCommand } from './shell-quote.js';
import type { SshSession } from './ssh-session.js';

/** The argv run on the server; -H names the socket so no DOCKER_HOST is needed there. */
export function dialStdioArgv(socketPath: string): string[] {
  return ['docker', '-H', `unix://${socketPath}`, 'system', 'dial-stdio'];
}

/**
 * Open one dial-stdio stream. `onStderr` receives the last line the docker CLI printed on
 * stderr (sanitised), e.g. "docker: not found" or a permission error, for error messages.
 */
export async function openDialStdio(session: SshSession, socketPath: string, onStderr?: (line: string) => void): Promise<ClientChannel> {
  const ch = await session.openExec(shellCommand(dialStdioArgv(socketPath)));
  let errText = '';
  ch.stderr.on('data', (d: Buffer) => {
    if (errText.length < 2048) errText += d.toString('utf8');
    onStderr?.(sanitise(errText.trim().split('\n').slice(-1)[0] ?? ''));
  });
  return ch;
}
