/**
 * `opsdeck status --group G|--host a,b`: one StatusReport per server plus how its connection
 * went, built from what each server's attempt produced. Pure: status.ts does the connecting.
 */
import { UserError } from '../errors.js';
import { sanitise } from '../text/sanitise.js';
import { ConnectError, HostKeyChangedError } from '../transport/connect-errors.js';
import type { HopInfo } from '../transport/ssh-session.js';
import type { StatusReport } from './status-report.js';

export type FleetConnectionState = 'connected' | 'unreachable' | 'auth-failed' | 'host-key-changed' | 'locked' | 'timeout' | 'error';

export interface FleetConnection {
  state: FleetConnectionState;
  /** One line, sanitised; null when connected and read. */
  error: string | null;
  /** SHA256 fingerprint of the server's host key (the one it offered, for host-key-changed); null for local or never seen. */
  hostKeyFingerprint: string | null;
  /** From the start of this server's attempt to its result (or to the timeout). */
  elapsedMs: number;
}

/** The entry of a server that was not read: the StatusReport shape with nothing in it, so consumers need one code path. */
export interface UnreadStatusReport {
  schema: 1;
  server: string;
  generatedAt: string;
  degraded: null;
  faults: [];
  host: null;
  projects: [];
}

export type FleetServerReport = (StatusReport | UnreadStatusReport) & { connection: FleetConnection };

/**
 * The JSON `status --group G --json` prints (schema 1; bump it on any change that could break a consumer):
 *
 *   { schema: 1,
 *     generatedAt: ISO time,
 *     group: the --group name, or null for --host a,b,
 *     degraded: true when a server that was read has a faulted service,
 *     unreachable: names of the servers not read (any connection state but 'connected'), in fleet order,
 *     servers: [ per server, in fleet order (profile name for --group, as typed for --host):
 *       the single-server StatusReport (src/model/status-report.ts) with `server` = the fleet name,
 *       or for a server not read { schema: 1, server, generatedAt, degraded: null, faults: [], host: null, projects: [] },
 *       plus connection: { state: 'connected' | 'unreachable' | 'auth-failed' | 'host-key-changed' | 'locked' | 'timeout' | 'error',
 *                          error: string | null, hostKeyFingerprint: 'SHA256:…' | null, elapsedMs: number } ] }
 *
 * Exit code (fleetExitCode): 2 when `unreachable` is not empty, else 1 when `degraded`, else 0.
 */
export interface FleetReport {
  schema: 1;
  generatedAt: string;
  group: string | null;
  degraded: boolean;
  unreachable: string[];
  servers: FleetServerReport[];
}

/** What one server's attempt produced, before it becomes JSON. */
export interface FleetOutcome {
  name: string;
  /** Present only when the server was connected and read. */
  report: StatusReport | null;
  connection: FleetConnection;
}

const oneLine = (s: string) => sanitise(s.replace(/\s*\n\s*/g, ' ').trim());

/** The key the server the connection ended at presented (the last hop: jump hosts come first). */
export function hopFingerprint(hops: readonly HopInfo[]): string | null {
  return hops.at(-1)?.hostKey.fingerprint ?? null;
}

export function connectedOutcome(name: string, report: StatusReport, hops: readonly HopInfo[], elapsedMs: number): FleetOutcome {
  return {
    name,
    report: { ...report, server: name },
    connection: { state: 'connected', error: null, hostKeyFingerprint: hopFingerprint(hops), elapsedMs: Math.round(elapsedMs) },
  };
}

/** Connected, but the Docker daemon could not be read (listing containers failed). */
export function unreadOutcome(name: string, error: string, hops: readonly HopInfo[], elapsedMs: number): FleetOutcome {
  return { name, report: null, connection: { state: 'error', error: oneLine(error), hostKeyFingerprint: hopFingerprint(hops), elapsedMs: Math.round(elapsedMs) } };
}

export function timeoutOutcome(name: string, timeoutMs: number, hops: readonly HopInfo[], elapsedMs: number): FleetOutcome {
  return {
    name,
    report: null,
    connection: { state: 'timeout', error: `no answer within ${Math.round(timeoutMs / 1000)}s`, hostKeyFingerprint: hopFingerprint(hops), elapsedMs: Math.round(elapsedMs) },
  };
}

export function failedOutcome(name: string, err: unknown, elapsedMs: number): FleetOutcome {
  const c = classifyFailure(err);
  return { name, report: null, connection: { ...c, elapsedMs: Math.round(elapsedMs) } };
}

/**
 * The locked-server error openConnection (cli/open-connection.ts) raises when sshd is down but
 * the initramfs's Dropbear answers: a plain UserError whose hint is the unlock command.
 */
function isLockedServerError(err: unknown): boolean {
  return err instanceof UserError && !(err instanceof ConnectError) && /^Unlock its disks with: /.test(err.hint ?? '');
}

// Our own HostKeyChangedError message names the offered key: "…, the server offered SHA256:…. Refusing…".
const OFFERED_KEY = /the server offered (SHA256:[A-Za-z0-9+/]+={0,2})/;

/** A failed connect as a fleet state, its one-line error and (for a changed key) the key offered. */
export function classifyFailure(err: unknown): Omit<FleetConnection, 'elapsedMs'> {
  const message = err instanceof Error ? err.message : String(err);
  const error = oneLine(message) || 'unknown error';
  if (err instanceof HostKeyChangedError) return { state: 'host-key-changed', error, hostKeyFingerprint: OFFERED_KEY.exec(message)?.[1] ?? null };
  if (isLockedServerError(err)) return { state: 'locked', error, hostKeyFingerprint: null };
  if (err instanceof ConnectError) {
    switch (err.step) {
      case 'dns':
      case 'tcp':
      case 'proxy':
      case 'handshake':
        return { state: 'unreachable', error, hostKeyFingerprint: null };
      case 'auth':
        return { state: 'auth-failed', error, hostKeyFingerprint: null };
      default:
        // config, docker, and a host key refused for being unknown (not changed): nothing a retry fixes.
        return { state: 'error', error, hostKeyFingerprint: null };
    }
  }
  return { state: 'error', error, hostKeyFingerprint: null };
}

export function fleetReport(group: string | null, outcomes: readonly FleetOutcome[], now: number): FleetReport {
  const generatedAt = new Date(now).toISOString();
  const servers: FleetServerReport[] = outcomes.map((o) =>
    o.report && o.connection.state === 'connected'
      ? { ...o.report, connection: o.connection }
      : { schema: 1, server: o.name, generatedAt, degraded: null, faults: [], host: null, projects: [], connection: o.connection },
  );
  return {
    schema: 1,
    generatedAt,
    group,
    degraded: servers.some((s) => s.degraded === true),
    unreachable: servers.filter((s) => s.connection.state !== 'connected').map((s) => s.server),
    servers,
  };
}

export function fleetExitCode(r: Pick<FleetReport, 'degraded' | 'unreachable'>): 0 | 1 | 2 {
  if (r.unreachable.length > 0) return 2;
  return r.degraded ? 1 : 0;
}
