/**
 * The TUI's fleet mode (`opsdeck --group shop`, `--host a,b,c`, `:fleet`): one session per
 * server, the fleet store over them, and Ink drawing the fleet view until the operator quits or
 * picks a server outside the fleet. Like the single-server loop in commands/ui.ts, it leaves Ink
 * for an interactive shell and comes back to the same place.
 */
import { render } from 'ink';
import React from 'react';
import { FleetApp, type FleetPlace } from '../../screens/FleetApp.js';
import type { HandOver } from '../../screens/app-session.js';
import { runInteractiveShell } from '../docker/interactive-shell.js';
import { createFleetLogs } from '../fleet/fleet-logs.js';
import type { FleetMember } from '../fleet/fleet-members.js';
import { BACKGROUND_PACE, FleetStore } from '../fleet/fleet-store.js';
import type { SessionStore } from '../session/session-store.js';
import { enableBracketedPaste } from '../terminal/bracketed-paste.js';
import type { GridPainter } from '../terminal/ink/grid-painter.js';
import { sanitise } from '../text/sanitise.js';
import type { Target } from '../transport/target.js';
import type { ConnectionFlags } from './connection-options.js';

export interface FleetUiOptions {
  group: string | undefined;
  /** A session for one server, not yet started: the fleet starts them all at once. */
  create: (target: Target, flags: ConnectionFlags, pace?: { intervalMs?: number }) => SessionStore;
  flags: ConnectionFlags;
  color: boolean;
  bell: boolean;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  painter: GridPainter;
}

/** Runs until quit (undefined) or until a server outside the fleet is picked (its flags). */
export async function runFleetUi(members: readonly FleetMember[], o: FleetUiOptions): Promise<ConnectionFlags | undefined> {
  const sessions = members.map((m) => {
    const flags: ConnectionFlags = { ...o.flags, host: m.name };
    delete flags.group;
    // Born at the background pace: the fleet view shows no CPU figures, and a sampler restarted
    // at once would only add work to the launch.
    return { name: m.name, session: o.create(m.target, flags, { intervalMs: BACKGROUND_PACE.statsMs }) };
  });
  const byName = new Map(sessions.map((s) => [s.name, s.session]));
  const fleet = new FleetStore(sessions, {
    group: o.group,
    // BEL only: a terminal rings or flashes, and nothing is drawn over Ink's frame.
    ...(o.bell ? { onNewNotices: () => void o.stdout.write('\u0007') } : {}),
  });
  fleet.start();
  const openLogs = async (words: readonly string[]) => {
    return createFleetLogs(new Map([...byName].map(([name, s]) => [name, s.connection])), words);
  };
  let place: FleetPlace = { server: undefined };
  let status: { text: string; level: 'ok' | 'warn' | 'error' | 'info' } | undefined;
  try {
    for (;;) {
      let handOver: { req: HandOver; place: FleetPlace } | undefined;
      const pasteOff = enableBracketedPaste(o.stdout);
      const instance = render(
        React.createElement(FleetApp, {
          fleet,
          sessionOf: (name: string) => byName.get(name),
          color: o.color,
          painter: o.painter,
          initialPlace: place,
          initialStatus: status,
          openLogs,
          onHandOver: (req: HandOver, at: FleetPlace) => (handOver = { req, place: at }),
        }),
        { stdout: o.stdout, stdin: o.stdin, exitOnCtrlC: false },
      );
      try {
        await instance.waitUntilExit();
      } finally {
        pasteOff();
      }
      if (!handOver) return undefined;
      const { req, place: at } = handOver as { req: HandOver; place: FleetPlace };
      place = at;
      status = undefined;
      if (req.kind === 'switch') {
        if (byName.has(req.host)) {
          place = { server: req.host };
          continue;
        }
        const next: ConnectionFlags = { ...o.flags, host: req.host };
        delete next.group;
        delete next.socket;
        return next;
      }
      if (req.kind !== 'shell') continue;
      const conn = at.server ? byName.get(at.server)?.connection : undefined;
      if (!conn) continue;
      o.stdout.write(`\u001b[2J\u001b[H--- shell in ${req.label} on ${at.server} (exit the shell to return to opsdeck) ---\r\n`);
      try {
        const code = await runInteractiveShell(conn.docker, req.containerId, { stdin: o.stdin, stdout: o.stdout });
        status = { text: `shell in ${req.label} ended${code === null ? '' : ` (exit ${code})`}`, level: code ? 'warn' : 'ok' };
      } catch (err) {
        status = { text: `shell in ${req.label} failed: ${sanitise((err as Error).message)}`, level: 'error' };
      }
      o.stdout.write('\u001b[2J\u001b[H');
    }
  } finally {
    await fleet.close();
  }
}
