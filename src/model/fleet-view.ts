/**
 * One fleet row, derived from what the server's session knows: its connection, its last grid
 * and its backups. Pure: the fleet store feeds it snapshots and a clock, tests feed it plain data.
 */
import type { GridSnapshot } from '../model/grid-store.js';
import type { DegradedReason } from '../model/grouping.js';
import type { ConnectionState } from '../transport/connection-store.js';

/** Where a server's connection is; each word is what the fleet row says. */
export type FleetLink =
  | { state: 'connecting'; since: number }
  | { state: 'connected'; since: number }
  | { state: 'reconnecting'; since: number; attempt: number; retryAt: number; error: string | undefined }
  | { state: 'unreachable'; since: number; attempt: number; retryAt: number | undefined; error: string }
  | { state: 'auth-failed'; since: number; error: string }
  | { state: 'host-key-changed'; since: number; error: string }
  | { state: 'locked'; since: number; error: string };

/** What a session says about its server, as the fleet reads it. */
export type SessionLink =
  | { phase: 'connecting'; since: number }
  | { phase: 'ready'; connection: ConnectionState }
  | { phase: 'failed'; since: number; message: string; kind: FailureKind; locked: boolean };

export type FailureKind = 'unreachable' | 'auth' | 'host-key' | 'other';

export interface BackupAge {
  /** Age of the newest verified backup, ms; undefined when there is none. */
  ageMs: number | undefined;
  rpoHours: number;
  breached: boolean;
}

export interface FaultedService {
  /** The grid's serviceKey(): what `enter` selects in the server's grid. */
  key: string;
  name: string;
  reasons: DegradedReason[];
  /** Highest memory use against the limit, %, when it is at or above MEMORY_NOTICE_PERCENT. */
  memoryPercent: number | undefined;
}

export interface FleetRow {
  name: string;
  colour: string | undefined;
  environment: string | undefined;
  link: FleetLink;
  /** host-key fingerprint of the first hop once known: a server is its name plus this. */
  fingerprint: string | undefined;
  /** Local epoch ms since the figures below stopped being current; undefined while they are. */
  staleSince: number | undefined;
  /** False until the first grid arrived. */
  loaded: boolean;
  faulted: FaultedService[];
  load: [number, number, number] | null;
  memoryBudgetPercent: number | null;
  diskPercent: number | null;
  engineVersion: string | undefined;
  backup: BackupAge | undefined;
  /** The title of a runbook running against this server, if one is. */
  run: string | undefined;
}

export const MEMORY_NOTICE_PERCENT = 90;
export const DISK_NOTICE_PERCENT = 85;

export function fleetLink(s: SessionLink, retry: { attempt: number; retryAt: number | undefined }): FleetLink {
  if (s.phase === 'connecting') return { state: 'connecting', since: s.since };
  if (s.phase === 'failed') {
    if (s.locked) return { state: 'locked', since: s.since, error: s.message };
    if (s.kind === 'auth') return { state: 'auth-failed', since: s.since, error: s.message };
    if (s.kind === 'host-key') return { state: 'host-key-changed', since: s.since, error: s.message };
    return { state: 'unreachable', since: s.since, attempt: retry.attempt, retryAt: retry.retryAt, error: s.message };
  }
  const c = s.connection;
  switch (c.status) {
    case 'connecting':
      return { state: 'connecting', since: c.since };
    case 'connected':
      return { state: 'connected', since: c.since };
    case 'reconnecting':
      return { state: 'reconnecting', since: c.since, attempt: c.attempt, retryAt: c.retryAt, error: c.lastError };
    case 'failed':
      // A reconnect that stopped: the transport only stops for trust and login failures.
      return /host key/i.test(c.reason)
        ? { state: 'host-key-changed', since: c.since, error: c.reason }
        : { state: 'auth-failed', since: c.since, error: c.reason };
    case 'closed':
      return { state: 'unreachable', since: c.since, attempt: 0, retryAt: undefined, error: 'closed' };
  }
}

/** The faulted services of a grid: degraded ones, and those near their memory limit. */
export function faultedServices(grid: GridSnapshot): FaultedService[] {
  const out: FaultedService[] = [];
  for (const group of grid.groups) {
    for (const row of [...group.services, ...group.oneoffs]) {
      const memory = row.memory.limit !== null && row.memory.percent !== null && row.memory.percent >= MEMORY_NOTICE_PERCENT ? Math.round(row.memory.percent) : undefined;
      if (!row.degraded && memory === undefined) continue;
      // "restarting" comes and goes with every restart of a looping service: the loop says it once.
      const reasons = row.reasons.includes('restart-loop') ? row.reasons.filter((r) => r !== 'restarting') : row.reasons;
      out.push({ key: row.key, name: row.project ? `${row.project}/${row.service}` : row.service, reasons, memoryPercent: memory });
    }
  }
  return out;
}

export interface RowInputs {
  name: string;
  colour: string | undefined;
  environment: string | undefined;
  link: FleetLink;
  fingerprint: string | undefined;
  grid: GridSnapshot | undefined;
  /** When the link last left `connected` (kept until the grid is current again). */
  droppedAt: number | undefined;
  backup: BackupAge | undefined;
  run: string | undefined;
}

export function fleetRow(i: RowInputs): FleetRow {
  const g = i.grid;
  const loaded = g !== undefined && g.status !== 'loading';
  const current = i.link.state === 'connected' && loaded && !g.stale;
  const host = g?.host ?? null;
  // "reconnecting 2m": since the drop, not since the latest attempt.
  const down = (i.link.state === 'reconnecting' || i.link.state === 'unreachable') && i.droppedAt !== undefined;
  return {
    name: i.name,
    colour: i.colour,
    environment: i.environment,
    link: down ? { ...i.link, since: i.droppedAt! } : i.link,
    fingerprint: i.fingerprint,
    staleSince: current || !loaded ? undefined : (i.droppedAt ?? i.link.since),
    loaded,
    faulted: loaded ? faultedServices(g) : [],
    load: host?.load ?? null,
    memoryBudgetPercent: g?.budget?.percent ?? null,
    diskPercent: host?.disk?.percent ?? null,
    engineVersion: host?.engineVersion,
    backup: i.backup,
    run: i.run,
  };
}
