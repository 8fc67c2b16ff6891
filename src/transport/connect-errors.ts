/**
 * Why a connection failed, as one line and a hint. Each error names the step of the path that
 * failed (doctor prints the same steps) and whether trying again could help (reconnects do
 * not retry a changed host key or a refused login).
 */
import { UserError } from '../errors.js';
import { sanitise } from '../text/sanitise.js';

export type ConnectStep = 'config' | 'dns' | 'tcp' | 'proxy' | 'handshake' | 'host-key' | 'auth' | 'docker';

export class ConnectError extends UserError {
  readonly step: ConnectStep;
  /** Trying again later could succeed (network, server restarting); false for trust and login failures. */
  readonly retryable: boolean;
  constructor(step: ConnectStep, message: string, opts: { hint?: string; retryable?: boolean; cause?: unknown } = {}) {
    super(message, { ...(opts.hint ? { hint: opts.hint } : {}), ...(opts.cause !== undefined ? { cause: opts.cause } : {}) });
    this.name = 'ConnectError';
    this.step = step;
    this.retryable = opts.retryable ?? true;
  }
}

/** The one message for a changed host key. No option turns this check off. */
export class HostKeyChangedError extends ConnectError {
  constructor(message: string, hint: string) {
    super('host-key', message, { hint, retryable: false });
    this.name = 'HostKeyChangedError';
  }
}

/** Raised by operations started while the connection is down; stores wait for 'reconnected'. */
export class ConnectionLostError extends UserError {
  constructor(label: string, detail = 'the connection is down') {
    super(`${label}: ${detail}`, { hint: 'opsdeck reconnects by itself; the operation can be retried once it is back.' });
    this.name = 'ConnectionLostError';
  }
}

/** Turn a socket or ssh2 error into a ConnectError for the hop `where` (user@host:port). */
export function classifyConnectError(err: unknown, where: string, ctx: { timeoutMs?: number; triedAuth?: string[] } = {}): ConnectError {
  if (err instanceof ConnectError) return err;
  const e = err as NodeJS.ErrnoException & { level?: string };
  // ssh2 carries the server's own words here (an SSH_MSG_DISCONNECT description, sent before any
  // host key check, so by anyone on the path): cleaned once, before any message quotes them.
  const msg = sanitise(e?.message ?? String(err));
  switch (e?.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new ConnectError('dns', `${where}: cannot resolve the host name`, {
        hint: 'Check the name, or the HostName in ssh_config; a saved profile name is case-sensitive.',
        cause: err,
      });
    case 'ECONNREFUSED':
      return new ConnectError('tcp', `${where}: connection refused`, { hint: 'Is sshd running and listening on that port? Check the port and the firewall.', cause: err });
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return new ConnectError('tcp', `${where}: no answer within ${Math.round((ctx.timeoutMs ?? 0) / 1000)}s`, {
        hint: 'The server is down or a firewall drops the packets; ConnectTimeout in ssh_config sets the wait.',
        cause: err,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectError('tcp', `${where}: no route to host`, { hint: 'Check the address and this machine’s network.', cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new ConnectError('handshake', `${where}: the server closed the connection`, {
        hint: 'sshd may be restarting, limiting connections (MaxStartups), or blocking this address (fail2ban).',
        cause: err,
      });
    default:
      break;
  }
  if (e?.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    const tried = ctx.triedAuth?.length ? ` (tried: ${ctx.triedAuth.join(', ')})` : '';
    return new ConnectError('auth', `${where}: the server refused every login method${tried}`, {
      hint: 'Check the user name and that your public key is in the server’s ~/.ssh/authorized_keys (or load it into ssh-agent).',
      retryable: false,
      cause: err,
    });
  }
  if (e?.level === 'client-timeout' || /timed out while waiting for handshake/i.test(msg)) {
    return new ConnectError('handshake', `${where}: the SSH handshake did not finish in time`, {
      hint: 'Something answers on that port but does not complete SSH; check the port, or raise ConnectTimeout.',
      cause: err,
    });
  }
  if (/no matching|handshake failed/i.test(msg)) {
    return new ConnectError('handshake', `${where}: SSH negotiation failed: ${msg.replace(/^Handshake failed: /, '')}`, {
      hint: 'The server offers no algorithm in common with opsdeck (ssh2); a very old or unusual server?',
      retryable: false,
      cause: err,
    });
  }
  if (/connection lost before handshake|unexpected connection close|closed/i.test(msg)) {
    return new ConnectError('handshake', `${where}: the connection closed during the SSH handshake`, {
      hint: 'Is this port really an SSH server? sshd may also be refusing this address.',
      cause: err,
    });
  }
  return new ConnectError('handshake', `${where}: ${msg}`, { cause: err });
}
