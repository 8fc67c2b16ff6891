/**
 * The TUI's fleet mode (`opsdeck --group shop`, `--host a,b,c`, `:fleet`): Ink drawing the fleet
 * view over a started fleet (fleet-start.ts) until the operator quits or picks a server outside
 * the fleet. Like the single-server loop in commands/ui.ts, it leaves Ink
 * for an interactive shell and comes back to the same place.
 */
import { render } from 'ink';
import React from 'react';
import { FleetApp, type FleetPlace } from '../../screens/FleetApp.js';
import type { HandOver } from '../../screens/app-session.js';
import { runInteractiveShell } from '../docker/interactive-shell.js';
import { createFleetLogs } from '../fleet/fleet-logs.js';
import { enableBracketedPaste } from '../terminal/bracketed-paste.js';
import type { GridPainter } from '../terminal/ink/grid-painter.js';
import { sanitise } from '../text/sanitise.js';
import type { ConnectionFlags } from './connection-options.js';
import type { StartedFleet } from './fleet-start.js';

export interface FleetUiOptions {
  color: boolean;
  flags: ConnectionFlags;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  painter: GridPainter;
}

/** Runs until quit (undefined) or until a server outside the fleet is picked (its flags). */
export async function runFleetUi({ fleet, sessions: byName }: StartedFleet, o: FleetUiOptions): Promise<ConnectionFlags | undefined> {
  const openLogs = async (words: readonly string[]) => createFleetLogs(new Map([...byName].map(([name, s]) => [name, s.connection])), words);
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
