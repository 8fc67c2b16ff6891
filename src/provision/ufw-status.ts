/**
 * ufw as provision and audit see it. `ufw status verbose` lists rules only while the firewall is
 * active, so rules added before enabling are read from `ufw show added`, and the default policy
 * of an inactive firewall from /etc/default/ufw.
 */
import { sanitise } from '../text/sanitise.js';

export interface UfwRule {
  /** "22/tcp", "80", "443/udp", "OpenSSH" … as ufw prints it, without " (v6)". */
  to: string;
  action: string;
  from: string;
  v6: boolean;
}

export interface UfwStatus {
  active: boolean;
  defaultIncoming: string | undefined;
  defaultOutgoing: string | undefined;
  rules: UfwRule[];
}

export function parseUfwStatus(text: string): UfwStatus {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const active = lines.some((l) => /^Status:\s*active\b/.test(l));
  const def = lines.find((l) => l.startsWith('Default:')) ?? '';
  const incoming = /(\w+) \(incoming\)/.exec(def)?.[1];
  const outgoing = /(\w+) \(outgoing\)/.exec(def)?.[1];
  const rules: UfwRule[] = [];
  const header = lines.findIndex((l) => /^To\s+Action\s+From/.test(l));
  if (header >= 0) {
    for (const l of lines.slice(header + 2)) {
      const m = /^(.+?)\s{2,}(ALLOW|DENY|REJECT|LIMIT)(?: (IN|OUT|FWD))?\s{2,}(.+)$/.exec(l.trim());
      if (!m) continue;
      const to = m[1]!.trim();
      rules.push({ to: sanitise(to.replace(/\s*\(v6\)$/, '')), action: `${m[2]}${m[3] ? ` ${m[3]}` : ''}`, from: sanitise(m[4]!.trim()), v6: /\(v6\)/.test(to) || /\(v6\)/.test(m[4]!) });
    }
  }
  return { active, defaultIncoming: incoming?.toLowerCase(), defaultOutgoing: outgoing?.toLowerCase(), rules };
}

/** `ufw show added`: "ufw allow 22/tcp" lines, the rules that exist whether or not ufw is enabled. */
export function parseUfwAdded(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('ufw '))
    .map((l) => sanitise(l.slice(4)));
}

/** DEFAULT_INPUT_POLICY="DROP" from /etc/default/ufw, lower-cased ("drop", "accept", "reject"). */
export function parseUfwDefaults(text: string): { input: string | undefined; output: string | undefined } {
  const get = (k: string) => new RegExp(`^${k}="?([A-Za-z]+)"?`, 'm').exec(text)?.[1]?.toLowerCase();
  return { input: get('DEFAULT_INPUT_POLICY'), output: get('DEFAULT_OUTPUT_POLICY') };
}

/** The ports provision opens: SSH first, always. */
export function wantedRules(sshPort: number, http3: boolean): string[] {
  return [`${sshPort}/tcp`, '80/tcp', '443/tcp', ...(http3 ? ['443/udp'] : [])];
}

function ruleCovers(added: readonly string[], port: string): boolean {
  // "allow 22/tcp" or a plain "allow 22" (both protocols) both admit 22/tcp.
  const [num] = port.split('/');
  return added.some((a) => a === `allow ${port}` || a === `allow ${num}` || a === `limit ${port}` || a === `limit ${num}`);
}

export interface UfwFacts {
  installed: boolean;
  status: UfwStatus;
  added: string[];
  defaults: { input: string | undefined; output: string | undefined };
}

/** The argv list that brings ufw to the wanted state; the SSH rule is always added before enabling. */
export function ufwCommands(f: UfwFacts, sshPort: number, http3: boolean): string[][] {
  const cmds: string[][] = [];
  for (const port of wantedRules(sshPort, http3)) if (!ruleCovers(f.added, port)) cmds.push(['ufw', 'allow', port]);
  const incoming = f.status.active ? f.status.defaultIncoming : f.defaults.input === 'drop' ? 'deny' : f.defaults.input;
  if (incoming !== 'deny') cmds.push(['ufw', 'default', 'deny', 'incoming']);
  const outgoing = f.status.active ? f.status.defaultOutgoing : f.defaults.output === 'accept' ? 'allow' : f.defaults.output;
  if (outgoing !== 'allow') cmds.push(['ufw', 'default', 'allow', 'outgoing']);
  if (!f.status.active) cmds.push(['ufw', '--force', 'enable']);
  return cmds;
}

/** Ports admitted from anywhere beyond the wanted ones (audit). */
export function extraAllowed(status: UfwStatus, sshPort: number, http3Allowed = true): string[] {
  const ok = new Set(wantedRules(sshPort, http3Allowed));
  const extra = new Set<string>();
  for (const r of status.rules) {
    if (!/^(ALLOW|LIMIT)/.test(r.action)) continue;
    if (!/^Anywhere/.test(r.from)) continue;
    const to = r.to.toLowerCase();
    if (ok.has(to)) continue;
    if (to === 'openssh' && sshPort === 22) continue;
    // A bare port ("22") admits tcp and udp: fine only when both are wanted.
    if (/^\d+$/.test(to) && ok.has(`${to}/tcp`) && ok.has(`${to}/udp`)) continue;
    extra.add(r.to);
  }
  return [...extra];
}
