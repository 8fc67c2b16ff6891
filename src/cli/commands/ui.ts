import type { CommandSpec } from '../command.js';
import { intOption } from '../command.js';
import { connectionOptions, fleetOptions, type ConnectionFlags } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { resolveTarget } from '../../transport/target.js';
import { colorEnabled } from '../../render/health.js';
import { sanitise } from '../../text/sanitise.js';
import { optimiseLessEagerly } from '../v8-tiering.js';
import { installLastResort } from '../last-resort.js';

import { enableBracketedPaste } from '../../terminal/bracketed-paste.js';

export const uiCommand: CommandSpec = {
  name: 'ui',
  maxPositionals: 0,
  hidden: true,
  summary: 'Open the terminal UI (the default command).',
  usage: '[ui] [--host NAME | --host a,b,c | --group NAME] [--readonly] [--interval MS] [--bell] [options]',
  options: {
    ...connectionOptions,
    ...fleetOptions,
    readonly: { type: 'boolean', description: 'hide and refuse every action that changes the server (a shared on-call screen)' },
    bell: { type: 'boolean', description: 'in the fleet view, ring the terminal bell when a fault appears anywhere' },
    interval: { type: 'string', valueName: 'MS', description: 'stats sampling interval in milliseconds (default 2000)' },
  },
  async run(ctx) {
    const flags = ctx.values as ConnectionFlags;
    const intervalMs = intOption(ctx.values.interval, 'interval', { min: 250, max: 60_000, fallback: 2000 });
    if (!ctx.stdin.isTTY || !ctx.stdout.isTTY) {
      throw new UserError('the terminal UI needs an interactive terminal', {
        hint: "For scripts and cron use a command instead, e.g. 'opsdeck status --json'.",
      });
    }
    const { isFleetRequest, resolveFleet } = await import('../../fleet/fleet-members.js');
    const members = isFleetRequest(flags) ? await resolveFleet(flags, ctx.env) : undefined;
    const target = members ? members[0]!.target : await resolveTarget(flags, ctx.env);
    optimiseLessEagerly();
    // From here on the terminal may be in raw mode with the cursor hidden: an error nothing
    // caught puts it back before the process ends (last-resort.ts).
    const uninstall = installLastResort({ stdin: ctx.stdin as NodeJS.ReadStream, stdout: ctx.stdout as NodeJS.WriteStream, stderr: ctx.stderr as NodeJS.WriteStream });
    // Loaded only here, so the non-interactive commands do not pay for React and Ink at start-up.
    // The session first: the SSH handshake runs while Ink and the screens are being loaded.
    const { SessionStore } = await import('../../session/session-store.js');
    const create = (t: typeof target, f: ConnectionFlags, pace: { intervalMs?: number; primeStats?: boolean } = {}) =>
      new SessionStore(t, {
        intervalMs: pace.intervalMs ?? intervalMs,
        ...(pace.primeStats === false ? { primeStats: false } : {}),
        readonly: Boolean(ctx.values.readonly),
        flags: f,
        env: ctx.env,
        logsRequestFromWords: async (words) => (await import('./logs.js')).logsRequestFromWords(words),
        runbookActions: async (conn) => (await import('../runbook-actions.js')).commandActionPort(conn, ctx.env),
      });
    const open = (t: typeof target, f: ConnectionFlags) => {
      const s = create(t, f);
      void s.start();
      return s;
    };
    // BEL only: a terminal rings or flashes, and nothing is drawn over Ink's frame.
    const bell = ctx.values.bell ? () => void (ctx.stdout as NodeJS.WriteStream).write('\u0007') : undefined;
    const fleetOf = async (list: NonNullable<typeof members>, group: string | undefined) =>
      (await import('../fleet-start.js')).startFleet(list, { group, create, flags, bell });
    // As with one server: the handshakes run while Ink loads.
    const firstFleet = members ? await fleetOf(members, flags.group) : undefined;
    const [{ render }, React, { App }, { runInteractiveShell }, { GridPainter }] = await Promise.all([
      import('ink'),
      // React is CommonJS: its module.exports is the default export both under Node and in the
      // bundle's chunks (where the namespace has nothing else).
      import('react').then((m) => m.default),
      import('../../../screens/App.js'),
      import('../../docker/interactive-shell.js'),
      import('../../terminal/ink/grid-painter.js'),
    ]);
    type HandOver = import('../../../screens/App.js').HandOver;
    const stdout = ctx.stdout as NodeJS.WriteStream;
    const stdin = ctx.stdin as NodeJS.ReadStream;
    let status: { text: string; level: 'ok' | 'warn' | 'error' | 'info' } | undefined;
    const painter = new GridPainter(stdout);
    const color = colorEnabled(ctx.env);
    const runFleet = async (started: Awaited<ReturnType<typeof fleetOf>>): Promise<ConnectionFlags | undefined> => {
      const { runFleetUi } = await import('../fleet-ui.js');
      return runFleetUi(started, { color, flags, stdin, stdout, painter });
    };
    let session: ReturnType<typeof open>;
    if (firstFleet) {
      const switchTo = await runFleet(firstFleet);
      if (!switchTo) {
        uninstall();
        return EXIT.ok;
      }
      session = open(await resolveTarget(switchTo, ctx.env), switchTo);
    } else session = open(target, flags);
    // Ink owns the terminal until the App hands it over (a shell) or the operator quits; after a
    // shell the App is drawn again on the same session, streams and all.
    for (;;) {
      let handOver: HandOver | undefined;
      const pasteOff = enableBracketedPaste(stdout);
      const instance = render(
        React.createElement(App, { session, color, onHandOver: (h: HandOver) => (handOver = h), initialStatus: status, painter }),
        { stdout, stdin, exitOnCtrlC: false },
      );
      try {
        await instance.waitUntilExit();
      } finally {
        pasteOff();
      }
      if (!handOver) break;
      if (handOver.kind === 'fleet') {
        // The fleet of the server's group: its own connections, one per server.
        const group = session.target.profile?.group;
        if (!group) {
          status = { text: `${session.target.label} is in no group: opsdeck hosts add … --group NAME, then :fleet`, level: 'warn' };
          continue;
        }
        await session.close();
        let switchTo: ConnectionFlags | undefined;
        try {
          const byGroup: ConnectionFlags = { ...flags, group };
          delete byGroup.host;
          delete byGroup.socket;
          switchTo = await runFleet(await fleetOf(await resolveFleet(byGroup, ctx.env), group));
        } catch (err) {
          status = { text: sanitise((err as Error).message), level: 'error' };
          session = open(target, flags);
          continue;
        }
        if (!switchTo) break;
        session = open(await resolveTarget(switchTo, ctx.env), switchTo);
        status = undefined;
        continue;
      }
      if (handOver.kind === 'switch') {
        // Another saved server: a new session; --socket was for the server we started with.
        await session.close();
        const next: ConnectionFlags = { ...flags, host: handOver.host };
        delete next.socket;
        try {
          session = open(await resolveTarget(next, ctx.env), next);
          status = undefined;
        } catch (err) {
          status = { text: sanitise((err as Error).message), level: 'error' };
          session = open(target, flags);
        }
        continue;
      }
      const conn = session.connection;
      if (!conn) break;
      stdout.write(`\u001b[2J\u001b[H--- shell in ${handOver.label} (exit the shell to return to opsdeck) ---\r\n`);
      try {
        const code = await runInteractiveShell(conn.docker, handOver.containerId, { stdin, stdout });
        status = { text: `shell in ${handOver.label} ended${code === null ? '' : ` (exit ${code})`}`, level: code ? 'warn' : 'ok' };
      } catch (err) {
        status = { text: `shell in ${handOver.label} failed: ${sanitise((err as Error).message)}`, level: 'error' };
      }
      stdout.write('\u001b[2J\u001b[H');
    }
    await session.close();
    uninstall();
    return EXIT.ok;
  },
};
