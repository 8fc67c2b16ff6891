import type { CommandContext, CommandSpec } from '../command.js';
import { intOption } from '../command.js';
import { connectionOptions, fleetOptions, type ConnectionFlags } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { openConnection, withConnection } from '../open-connection.js';
import { isFleetRequest, resolveFleet, type FleetMember } from '../../fleet/fleet-members.js';
import { GridStore } from '../../model/grid-store.js';
import { statusReport } from '../../model/status-report.js';
import { connectedOutcome, failedOutcome, fleetExitCode, fleetReport, timeoutOutcome, unreadOutcome, type FleetOutcome } from '../../model/fleet-report.js';
import { renderStatusTable } from '../../render/status-table.js';
import { renderFleetStatusTable } from '../../render/fleet-status-table.js';
import { colorEnabled } from '../../render/health.js';
import type { ServerConnection } from '../../transport/connection.js';

export const statusCommand: CommandSpec = {
  name: 'status',
  maxPositionals: 0,
  summary: 'print every service\'s health, restarts and resources; exit 0 ok, 1 degraded, 2 error',
  usage: 'status [--host NAME | --host A,B | --group G] [--json] [--project P] [--timeout S]',
  options: {
    ...connectionOptions,
    ...fleetOptions,
    json: { type: 'boolean', description: 'print the grid as JSON (schema in the README)' },
    project: { type: 'string', multiple: true, valueName: 'P', description: 'only this Compose project (repeatable)' },
    'sample-ms': { type: 'string', valueName: 'MS', description: 'gap between the two stats samples CPU % is computed from (default 300)' },
    timeout: { type: 'string', valueName: 'S', description: 'with --group or --host A,B: seconds each server has to answer before it is reported as not reached (default 15)' },
  },
  async run(ctx) {
    const gap = intOption(ctx.values['sample-ms'], 'sample-ms', { min: 50, max: 10_000, fallback: 300 });
    const projects = (ctx.values.project as string[] | undefined) ?? [];
    if (isFleetRequest(ctx.values as ConnectionFlags)) return fleetStatus(ctx, { gap, projects });
    if (ctx.values.timeout !== undefined) {
      throw new UserError('--timeout applies to several servers (--group G or --host A,B)', { hint: 'For one server, ConnectTimeout in ssh_config sets how long the connection may take.' });
    }
    return withConnection(ctx, async (conn) => {
      const store = new GridStore(conn, { projects });
      const snap = await store.snapshotOnce(gap);
      store.stop();
      if (snap.status === 'error') {
        ctx.stderr.write(`opsdeck: cannot read the containers: ${snap.error ?? 'unknown error'}\n`);
        return EXIT.error;
      }
      const label = conn.target.label;
      if (ctx.values.json) ctx.stdout.write(JSON.stringify(statusReport(label, snap)) + '\n');
      else ctx.stdout.write(renderStatusTable(label, snap, { width: textWidth(ctx), color: useColor(ctx), now: Date.now() }));
      return snap.verdict.degraded ? EXIT.degraded : EXIT.ok;
    });
  },
};

const textWidth = (ctx: CommandContext) => (ctx.stdout.isTTY ? ctx.stdout.columns ?? 120 : 160);
const useColor = (ctx: CommandContext) => Boolean(ctx.stdout.isTTY) && colorEnabled(ctx.env);

/**
 * Every server at once, each on its own connection: one that is slow or down costs the others
 * nothing, and costs the whole command at most --timeout.
 */
async function fleetStatus(ctx: CommandContext, o: { gap: number; projects: string[] }): Promise<number> {
  const timeoutMs = intOption(ctx.values.timeout, 'timeout', { min: 1, max: 300, fallback: 15 }) * 1000;
  const flags = ctx.values as ConnectionFlags;
  const members = await resolveFleet(flags, ctx.env);
  const outcomes = await Promise.all(members.map((m) => memberStatus(ctx, m, { ...o, timeoutMs })));
  const report = fleetReport(flags.group ?? null, outcomes, Date.now());
  if (ctx.values.json) ctx.stdout.write(JSON.stringify(report) + '\n');
  else ctx.stdout.write(renderFleetStatusTable(report, { width: textWidth(ctx), color: useColor(ctx) }));
  return fleetExitCode(report);
}

/** One server's connection; closed once, by whichever of the read and the deadline ends first. */
class Attempt {
  conn: ServerConnection | undefined;
  abandoned = false;
  #closing: Promise<void> | undefined;
  close(): Promise<void> {
    if (!this.conn) return Promise.resolve();
    this.#closing ??= this.conn.close().catch(() => undefined);
    return this.#closing;
  }
}

async function memberStatus(ctx: CommandContext, m: FleetMember, o: { gap: number; projects: string[]; timeoutMs: number }): Promise<FleetOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const attempt = new Attempt();
  // The same resolution, prompter and locked-server check as a single --host m.name.
  const memberCtx = { ...ctx, connection: undefined, values: { ...ctx.values, host: m.name, group: undefined } };
  const read = (async (): Promise<FleetOutcome> => {
    attempt.conn = await openConnection(memberCtx);
    if (attempt.abandoned) return timeoutOutcome(m.name, o.timeoutMs, [], elapsed());
    const store = new GridStore(attempt.conn, { projects: o.projects });
    try {
      const snap = await store.snapshotOnce(o.gap);
      if (snap.status === 'error') return unreadOutcome(m.name, `cannot read the containers: ${snap.error ?? 'unknown error'}`, attempt.conn.hops(), elapsed());
      return connectedOutcome(m.name, statusReport(m.name, snap), attempt.conn.hops(), elapsed());
    } finally {
      store.stop();
    }
  })().then(
    (outcome) => outcome,
    (err: unknown) => failedOutcome(m.name, err, elapsed()),
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<FleetOutcome>((resolve) => {
    timer = setTimeout(() => resolve(timeoutOutcome(m.name, o.timeoutMs, attempt.conn?.hops() ?? [], elapsed())), o.timeoutMs);
  });
  const outcome = await Promise.race([read, deadline]);
  clearTimeout(timer);
  attempt.abandoned = true;
  // A connect still under way is closed when it lands; one that never lands is the process's to end (bin/opsdeck.ts).
  void read.then(() => attempt.close());
  await attempt.close();
  return outcome;
}
