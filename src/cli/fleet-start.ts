/**
 * Open a fleet: one session per server and the fleet store over them, all connecting at once.
 * Kept apart from the Ink side (fleet-ui.ts) so that the SSH handshakes run while Ink and the
 * screens are still being loaded, as the single-server launch does.
 */
import type { FleetMember } from '../fleet/fleet-members.js';
import { BACKGROUND_PACE, FleetStore } from '../fleet/fleet-store.js';
import type { SessionStore } from '../session/session-store.js';
import type { Target } from '../transport/target.js';
import type { ConnectionFlags } from './connection-options.js';

export interface StartedFleet {
  fleet: FleetStore;
  sessions: ReadonlyMap<string, SessionStore>;
}

export interface FleetStartOptions {
  group: string | undefined;
  /** A session for one server, not yet started: the fleet starts them all at once. */
  create: (target: Target, flags: ConnectionFlags, pace?: { intervalMs?: number; primeStats?: boolean }) => SessionStore;
  flags: ConnectionFlags;
  /** Called with nothing when a new fault appears anywhere (the terminal bell). */
  bell: (() => void) | undefined;
}

export function startFleet(members: readonly FleetMember[], o: FleetStartOptions): StartedFleet {
  const list = members.map((m) => {
    const flags: ConnectionFlags = { ...o.flags, host: m.name };
    delete flags.group;
    // Born at the background pace, with no stats baseline: the fleet view shows no CPU figures,
    // and either would only add work to the launch.
    return { name: m.name, session: o.create(m.target, flags, { intervalMs: BACKGROUND_PACE.statsMs, primeStats: false }) };
  });
  const bell = o.bell;
  const fleet = new FleetStore(list, { group: o.group, ...(bell ? { onNewNotices: () => bell() } : {}) });
  fleet.start();
  return { fleet, sessions: new Map(list.map((s) => [s.name, s.session])) };
}
