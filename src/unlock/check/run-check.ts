/**
 * `unlock check` end to end, for the CLI and the TUI panel: gather facts over the normal
 * connection, judge them against what opsdeck will use (the initramfs endpoint, its
 * known_hosts, the keys it will offer), plan the fix, and pin Dropbear's host keys on request.
 *
 * Pinning now is the point: while the server is up its normal, already trusted SSH connection
 * vouches for the Dropbear key it reports, so the first unlock after a reboot needs no
 * trust-on-first-use in the middle of an outage.
 */
import fs from 'node:fs';
import { appendKnownHostsLine, checkHostKey, formatKnownHostsLine, knownHostsName, readKnownHostsFiles } from '../../config/known-hosts.js';
import type { ServerConnection } from '../../transport/connection.js';
import type { UnlockEndpoint } from '../unlock-settings.js';
import type { CheckFacts } from './check-facts.js';
import { evaluateCheck, type CheckContext, type CheckReport, type DropbearHostKey } from './evaluate-check.js';
import { planFix, type FixPlan } from './fix-plan.js';
import { gatherFacts } from './gather-facts.js';

export interface CheckRun {
  facts: CheckFacts;
  report: CheckReport;
  plan: FixPlan;
}

/** Public halves of the identity files, from FILE.pub (private keys are never opened for this). */
export function offeredPublicKeys(identityFiles: readonly string[]): { file: string; blob: Buffer }[] {
  const out: { file: string; blob: Buffer }[] = [];
  for (const file of identityFiles) {
    try {
      const b64 = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/)[1];
      if (b64) out.push({ file, blob: Buffer.from(b64, 'base64') });
    } catch {
      // No .pub beside it: not compared.
    }
  }
  return out;
}

export function checkContext(label: string, endpoint: UnlockEndpoint | undefined): CheckContext {
  if (!endpoint) return { label, knownHosts: [], offeredKeys: [] };
  const t = endpoint.target;
  return {
    label,
    endpoint: { host: t.host, port: t.port, lookupName: knownHostsName(t.host, t.port), knownHostsFile: endpoint.knownHostsFile, command: endpoint.command },
    knownHosts: readKnownHostsFiles([endpoint.knownHostsFile]).entries,
    offeredKeys: offeredPublicKeys(t.identityFiles),
  };
}

export async function runUnlockCheck(conn: Pick<ServerConnection, 'exec'>, label: string, endpoint: UnlockEndpoint | undefined): Promise<CheckRun> {
  const facts = await gatherFacts((argv, o) => conn.exec(argv, o), { configDir: endpoint?.configDir });
  const report = evaluateCheck(facts, checkContext(label, endpoint));
  return { facts, report, plan: planFix(facts, endpoint?.target.port ?? 2222) };
}

export interface PinResult {
  pinned: { keyType: string; fingerprint: string; file: string; line: number }[];
  /** Keys left alone, with why (already pinned, or a different key is pinned: that needs a person). */
  skipped: { keyType: string; fingerprint: string; reason: string }[];
}

/** Record every Dropbear host key that is not known yet; a changed one is never replaced. */
export function pinHostKeys(keys: readonly DropbearHostKey[], endpoint: UnlockEndpoint): PinResult {
  const result: PinResult = { pinned: [], skipped: [] };
  const name = knownHostsName(endpoint.target.host, endpoint.target.port);
  for (const k of keys) {
    // Fresh each time: the file may have changed since the check (another opsdeck, or ssh).
    const v = checkHostKey(readKnownHostsFiles([endpoint.knownHostsFile]).entries, name, k.blob);
    if (v.status === 'known') {
      result.skipped.push({ keyType: k.keyType, fingerprint: k.fingerprint, reason: `already pinned (${v.entry.file} line ${v.entry.line})` });
      continue;
    }
    if (v.status !== 'unknown') {
      result.skipped.push({ keyType: k.keyType, fingerprint: k.fingerprint, reason: v.status === 'revoked' ? 'marked @revoked' : `a different ${k.keyType} key is pinned for ${name}: remove it first if the change is expected` });
      continue;
    }
    const line = appendKnownHostsLine(endpoint.knownHostsFile, formatKnownHostsLine(name, k.blob, { hash: endpoint.target.knownHosts.hashNew }));
    result.pinned.push({ keyType: k.keyType, fingerprint: k.fingerprint, file: endpoint.knownHostsFile, line });
  }
  return result;
}
