/**
 * The proof that matters before any lockout step: a brand-new SSH connection (not a channel on
 * the current one) as the deploy user, offering only the operator's chosen key, no password.
 * It also checks that root is still reachable from there (sudo -n) when that was the choice,
 * since after hardening that is the only way back in besides the provider's console.
 */
import { sanitise } from '../text/sanitise.js';
import { connect } from '../transport/connection.js';
import type { Prompter } from '../transport/prompter.js';
import { endpointLabel, type SshTarget } from '../transport/target.js';
import type { ProofResult } from './step.js';

/** The server's own target, as the deploy user with exactly this key. */
export function deployTarget(base: SshTarget, user: string, identityFile: string): SshTarget {
  return {
    ...base,
    user,
    label: `${user}@${base.name}`,
    identityFiles: [identityFile],
    identitiesOnly: true,
    agentSocket: undefined,
    auth: { publickey: true, password: false, keyboardInteractive: false },
  } as SshTarget;
}

export async function proveLogin(target: SshTarget, prompter: Prompter, opts: { checkSudo: boolean; env?: NodeJS.ProcessEnv }): Promise<ProofResult> {
  const where = endpointLabel(target);
  let conn;
  try {
    conn = await connect(target, prompter, { pingDocker: false, forcePath: 'streamlocal', reconnect: false, ...(opts.env ? { env: opts.env } : {}) });
  } catch (err) {
    return { ok: false, reason: `${where}: ${sanitise((err as Error)?.message ?? String(err))}` };
  }
  try {
    const who = await conn.exec(['id', '-un'], { timeoutMs: 30_000 });
    const name = sanitise(who.stdout.trim());
    if (who.code !== 0 || name !== target.user) return { ok: false, reason: `${where}: logged in, but id -un said '${name}'` };
    if (opts.checkSudo) {
      const s = await conn.exec(['sudo', '-n', 'true'], { timeoutMs: 30_000 });
      if (s.code !== 0) return { ok: false, reason: `${where}: logged in, but sudo -n does not work there (${sanitise(s.stderr.trim().split('\n').pop() ?? '')})` };
    }
    return { ok: true, detail: `${where} logs in with ${target.identityFiles[0]}${opts.checkSudo ? ' and sudo -n works' : ''}` };
  } catch (err) {
    return { ok: false, reason: `${where}: ${sanitise((err as Error)?.message ?? String(err))}` };
  } finally {
    await conn.close().catch(() => undefined);
  }
}
