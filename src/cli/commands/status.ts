import type { CommandSpec } from '../command.js';
import { intOption } from '../command.js';
import { connectionOptions } from '../connection-options.js';
import { EXIT } from '../../errors.js';
import { withConnection } from '../open-connection.js';
import { GridStore } from '../../model/grid-store.js';
import { statusReport } from '../../model/status-report.js';
import { renderStatusTable } from '../../render/status-table.js';
import { colorEnabled } from '../../render/health.js';

export const statusCommand: CommandSpec = {
  name: 'status',
  maxPositionals: 0,
  summary: 'print every service\'s health, restarts and resources; exit 0 ok, 1 degraded, 2 error',
  usage: 'status [--host NAME] [--json] [--project P]',
  options: {
    ...connectionOptions,
    json: { type: 'boolean', description: 'print the grid as JSON (schema in the README)' },
    project: { type: 'string', multiple: true, valueName: 'P', description: 'only this Compose project (repeatable)' },
    'sample-ms': { type: 'string', valueName: 'MS', description: 'gap between the two stats samples CPU % is computed from (default 300)' },
  },
  async run(ctx) {
    const gap = intOption(ctx.values['sample-ms'], 'sample-ms', { min: 50, max: 10_000, fallback: 300 });
    const projects = (ctx.values.project as string[] | undefined) ?? [];
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
      else {
        const width = ctx.stdout.isTTY ? ctx.stdout.columns ?? 120 : 160;
        ctx.stdout.write(renderStatusTable(label, snap, { width, color: Boolean(ctx.stdout.isTTY) && colorEnabled(ctx.env), now: Date.now() }));
      }
      return snap.verdict.degraded ? EXIT.degraded : EXIT.ok;
    });
  },
};
