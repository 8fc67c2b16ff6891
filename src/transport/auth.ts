/**
 * Logging in, in OpenSSH's order: ssh-agent keys, then identity files (asking for a passphrase
 * when a key is encrypted), then keyboard-interactive and password only if this connection
 * allows them.
 *
 * Secrets: passphrases and passwords arrive from the prompter as Buffers and are zeroed right
 * after use; key file contents are zeroed after parsing. A decrypted key is kept in memory for
 * the life of the session (the KeyCache), like ssh-agent would, so reconnects do not ask again;
 * it is never written anywhere. Nothing secret goes into messages: they name files, not contents.
 */
import fs from 'node:fs';
import ssh2 from 'ssh2';
import type { AgentAuthMethod, AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, BaseAgent as BaseAgentType, KeyboardInteractiveAuthMethod, ParsedKey, PasswordAuthMethod, PublicKeyAuthMethod } from 'ssh2';
import { sanitise } from '../text/sanitise.js';
import type { Prompter } from './prompter.js';
import type { SshEndpoint } from './target.js';

const { utils, BaseAgent, OpenSSHAgent } = ssh2;

const PASSPHRASE_TRIES = 3;

/** Decrypted keys of one session, by file path. */
export type KeyCache = Map<string, ParsedKey>;

export interface AuthTrace {
  /** Methods tried, for the error message ("agent (2 keys), /home/me/.ssh/id_ed25519"). Never secrets. */
  tried: string[];
  /** The method that worked, once 'ready'. */
  succeeded?: string;
  /** Time spent waiting for a person (excluded from the handshake timeout). */
  promptMs: number;
  /** Notes for doctor: unreadable key files, cancelled passphrases. */
  notes: string[];
}

type Attempt = { label: string; kind: 'publickey' | 'keyboard-interactive' | 'password'; make: () => Promise<AnyAuthMethod | null> };

/** An agent that only offers the keys whose public halves we know from the identity files (IdentitiesOnly). */
class FilteredAgent extends BaseAgent {
  constructor(
    private inner: BaseAgentType,
    private allowed: Buffer[],
  ) {
    super();
  }
  getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    this.inner.getIdentities((err, keys) => {
      if (err) return cb(err);
      const list = (keys ?? []) as ParsedKey[];
      cb(undefined, list.filter((k) => this.allowed.some((a) => a.equals(k.getPublicSSH()))));
    });
  }
  sign(pubKey: ParsedKey, data: Buffer, options: unknown, cb?: unknown): void {
    (this.inner.sign as (...a: unknown[]) => void)(pubKey, data, options, cb);
  }
}

function agentIdentities(agent: BaseAgentType): Promise<ParsedKey[]> {
  return new Promise((resolve) => {
    agent.getIdentities((err, keys) => resolve(err ? [] : ((keys ?? []) as ParsedKey[])));
  });
}

/** The public half of an identity file, without decrypting it: from FILE.pub, or the key itself when unencrypted. */
function publicKeyOf(file: string): Buffer | undefined {
  for (const candidate of [`${file}.pub`, file]) {
    let data: Buffer;
    try {
      data = fs.readFileSync(candidate);
    } catch {
      continue;
    }
    const k = utils.parseKey(data);
    if (candidate === file) data.fill(0);
    if (!(k instanceof Error)) return (Array.isArray(k) ? k[0] : k)?.getPublicSSH();
  }
  return undefined;
}

export function createAuthHandler(endpoint: SshEndpoint, prompter: Prompter, cache: KeyCache, trace: AuthTrace): AuthHandlerMiddleware {
  const username = endpoint.user;
  const where = `${endpoint.user}@${endpoint.host}`;
  const attempts: Attempt[] = [];
  const offeredPublic: Buffer[] = [];

  const ask = async (kind: 'passphrase' | 'password', prompt: string): Promise<Buffer | null> => {
    if (endpoint.batchMode) return null;
    const t0 = Date.now();
    try {
      return await prompter.askSecret({ kind, prompt });
    } finally {
      trace.promptMs += Date.now() - t0;
    }
  };

  if (endpoint.auth.publickey && endpoint.agentSocket) {
    const socket = endpoint.agentSocket;
    attempts.push({
      label: 'ssh-agent',
      kind: 'publickey',
      make: async () => {
        let agent: BaseAgentType = new OpenSSHAgent(socket);
        const keys = await agentIdentities(agent);
        if (endpoint.identitiesOnly) {
          const allowed = endpoint.identityFiles.map(publicKeyOf).filter((k): k is Buffer => k !== undefined);
          agent = new FilteredAgent(agent, allowed);
          const usable = keys.filter((k) => allowed.some((a) => a.equals(k.getPublicSSH())));
          if (usable.length === 0) return null;
          offeredPublic.push(...usable.map((k) => k.getPublicSSH()));
          trace.tried.push(`ssh-agent (${usable.length} key${usable.length === 1 ? '' : 's'})`);
        } else {
          if (keys.length === 0) return null;
          offeredPublic.push(...keys.map((k) => k.getPublicSSH()));
          trace.tried.push(`ssh-agent (${keys.length} key${keys.length === 1 ? '' : 's'})`);
        }
        const m: AgentAuthMethod = { type: 'agent', username, agent };
        return m;
      },
    });
  }

  if (endpoint.auth.publickey) {
    for (const file of endpoint.identityFiles) {
      attempts.push({
        label: file,
        kind: 'publickey',
        make: async () => {
          // The agent already offered this very key: offering it again only burns one of MaxAuthTries.
          const pub = publicKeyOf(file);
          if (pub && offeredPublic.some((p) => p.equals(pub))) return null;
          const key = await loadIdentity(file);
          if (!key) return null;
          trace.tried.push(file);
          const m: PublicKeyAuthMethod = { type: 'publickey', username, key };
          return m;
        },
      });
    }
  }

  const loadIdentity = async (file: string): Promise<ParsedKey | null> => {
    const cached = cache.get(file);
    if (cached) return cached;
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') trace.notes.push(`${file}: cannot read (${code ?? 'error'})`);
      return null;
    }
    try {
      let parsed = utils.parseKey(data);
      if (parsed instanceof Error && /no passphrase given/i.test(parsed.message)) {
        for (let i = 0; i < PASSPHRASE_TRIES; i++) {
          const pass = await ask('passphrase', `Passphrase for ${file}${i > 0 ? ' (wrong, try again)' : ''}`);
          if (!pass) {
            trace.notes.push(`${file}: encrypted, no passphrase given`);
            return null;
          }
          try {
            parsed = utils.parseKey(data, pass);
          } finally {
            pass.fill(0);
          }
          if (!(parsed instanceof Error)) break;
          if (!/bad passphrase|integrity check failed/i.test(parsed.message)) break;
        }
      }
      if (parsed instanceof Error) {
        trace.notes.push(`${file}: ${/bad passphrase|integrity/i.test(parsed.message) ? 'wrong passphrase' : 'not a private key opsdeck can read'}`);
        return null;
      }
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (!key || !key.isPrivateKey()) return null;
      cache.set(file, key);
      return key;
    } finally {
      data.fill(0);
    }
  };

  if (endpoint.auth.keyboardInteractive) {
    attempts.push({
      label: 'keyboard-interactive',
      kind: 'keyboard-interactive',
      make: async () => {
        if (endpoint.batchMode) return null;
        trace.tried.push('keyboard-interactive');
        const m: KeyboardInteractiveAuthMethod = {
          type: 'keyboard-interactive',
          username,
          prompt: (_name, _instructions, _lang, prompts, finish) => {
            void (async () => {
              const answers: string[] = [];
              for (const p of prompts) {
                // The server's prompt text ("Password:", "Verification code:") is shown sanitised, with where it comes from.
                const text = sanitise(p.prompt).replace(/:\s*$/, '').trim() || 'Password';
                const secret = await ask('password', `${text} for ${where}`);
                if (!secret) return finish([]);
                answers.push(secret.toString('utf8'));
                secret.fill(0);
              }
              finish(answers);
            })().catch(() => finish([]));
          },
        };
        return m;
      },
    });
  }

  if (endpoint.auth.password) {
    attempts.push({
      label: 'password',
      kind: 'password',
      make: async () => {
        const secret = await ask('password', `Password for ${where}`);
        if (!secret) return null;
        trace.tried.push('password');
        // ssh2 wants a string here; the Buffer is zeroed, the string is left to the GC.
        const m: PasswordAuthMethod = { type: 'password', username, password: secret.toString('utf8') };
        secret.fill(0);
        return m;
      },
    });
  }

  // One handler per connection attempt (the session makes a new one for each reconnect).
  let index = 0;
  const handler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, nextRaw: unknown) => {
    // @types/ssh2 leaves `false` ("no more methods") out of the callback's type; ssh2 accepts it.
    const next = nextRaw as (m: AnyAuthMethod | false) => void;
    void (async () => {
      while (index < attempts.length) {
        const a = attempts[index++]!;
        if (methodsLeft && !methodsLeft.includes(a.kind)) continue;
        let method: AnyAuthMethod | null = null;
        try {
          method = await a.make();
        } catch (err) {
          trace.notes.push(`${a.label}: ${(err as Error)?.message ?? 'failed'}`);
        }
        if (method) {
          trace.succeeded = a.label;
          return next(method);
        }
      }
      delete trace.succeeded;
      next(false);
    })().catch(() => {
      // A throw here would be an unhandled rejection; end authentication instead.
      try {
        next(false);
      } catch {
        /* the connection is already gone */
      }
    });
  };
  return handler as unknown as AuthHandlerMiddleware;
}
