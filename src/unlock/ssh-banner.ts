/**
 * Knock on a TCP port and read the SSH identification line ("SSH-2.0-dropbear_2022.83"), which
 * every SSH server sends before anything else (RFC 4253 §4.2). Cheap enough to poll every few
 * seconds while a server boots, and it tells the initramfs's Dropbear from the system's OpenSSH.
 */
import net from 'node:net';
import { sanitise } from '../text/sanitise.js';

export type BannerProbe =
  | { kind: 'ssh'; version: string; software: 'dropbear' | 'openssh' | 'other' }
  | { kind: 'refused' }
  | { kind: 'timeout' }
  /** Connected, but the peer closed or said something that is not SSH. */
  | { kind: 'not-ssh'; detail: string }
  | { kind: 'error'; detail: string };

const MAX_PRELUDE = 8192;

export function softwareOf(version: string): 'dropbear' | 'openssh' | 'other' {
  const v = version.toLowerCase();
  if (v.includes('dropbear')) return 'dropbear';
  if (v.includes('openssh')) return 'openssh';
  return 'other';
}

/**
 * The identification line in what a server sent first (other lines may precede it): the line,
 * null while more text is needed, undefined once the prelude is too long to be SSH.
 */
export function findIdentification(text: string): string | null | undefined {
  for (const line of text.split('\n').slice(0, -1)) {
    const l = line.replace(/\r$/, '');
    if (l.startsWith('SSH-')) return l;
  }
  return text.length > MAX_PRELUDE ? undefined : null;
}

export function probeSshBanner(host: string, port: number, timeoutMs = 4000): Promise<BannerProbe> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let text = '';
    let settled = false;
    const done = (r: BannerProbe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
    sock.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const found = findIdentification(text);
      if (found) {
        const version = sanitise(found.slice(0, 255));
        done({ kind: 'ssh', version, software: softwareOf(version) });
      } else if (found === undefined) done({ kind: 'not-ssh', detail: 'no SSH identification in the first 8 KB' });
    });
    sock.on('end', () => done({ kind: 'not-ssh', detail: text ? `said ${JSON.stringify(sanitise(text.split('\n')[0] ?? '').slice(0, 60))} and closed` : 'closed the connection without a word' }));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ kind: 'refused' });
      else if (err.code === 'ETIMEDOUT') done({ kind: 'timeout' });
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') done({ kind: 'error', detail: 'cannot resolve the host name' });
      else if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') done({ kind: 'error', detail: 'no route to host' });
      else done({ kind: 'error', detail: sanitise(err.message) });
    });
  });
}

/** "connection refused", "no answer within 4s", "OpenSSH_9.2p1 answers" — for messages. */
export function describeProbe(p: BannerProbe, timeoutMs = 4000): string {
  switch (p.kind) {
    case 'ssh':
      return `answers (${p.version.replace(/^SSH-2\.0-/, '')})`;
    case 'refused':
      return 'connection refused';
    case 'timeout':
      return `no answer within ${Math.round(timeoutMs / 1000)}s`;
    case 'not-ssh':
      return `not an SSH server (${p.detail})`;
    case 'error':
      return p.detail;
  }
}
