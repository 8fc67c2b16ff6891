/**
 * opsdeck restore ID --scratch | --live --confirm DBNAME
 *   --scratch: the test restore (throwaway container from the live image, or DB_restore_test),
 *              row counts against the live database; exit 0 passed, 1 failed.
 *   --live:    over the live database, only with its name typed back; safety backup first,
 *              dependent services stopped and started, health checked; exit 0 ok, 1 restored but
 *              a service is unhealthy or the restore failed (the database is left as it was).
 */
import type { CommandSpec } from '../command.js';
import { connectionOptions } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { withBackup } from './backup.js';
import { parseBackupId } from '../../backup/backup-id.js';
import { liveRestore } from '../../backup/restore-live.js';
import { testRestore } from '../../backup/restore-test.js';

export const restoreCommand: CommandSpec = {
  name: 'restore',
  summary: 'test-restore a backup into a throwaway container (--scratch), or restore it over the live database (--live --confirm DB)',
  usage: 'restore ID (--scratch | --live --confirm DBNAME) [--host H] [--json]',
  options: {
    ...connectionOptions,
    scratch: { type: 'boolean', description: 'test restore: a throwaway container from the same image (or DB_restore_test), row counts vs live' },
    live: { type: 'boolean', description: 'restore over the live database (safety backup first; services stopped and started)' },
    confirm: { type: 'string', valueName: 'DBNAME', description: 'with --live: the database name, typed to confirm' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  run: async (ctx) => {
    const [id, ...extra] = ctx.positionals;
    const v = ctx.values;
    if (!id) throw new UserError('restore: needs a backup ID', { hint: "See the ids with 'opsdeck backup list'." });
    if (extra.length) throw new UserError(`restore: unexpected argument '${extra[0]}'`);
    if (!parseBackupId(id)) throw new UserError(`restore: '${id}' is not a backup id`, { hint: "Ids look like shop-20260101T031700Z; see 'opsdeck backup list'." });
    if (v.scratch === v.live) throw new UserError('restore: choose --scratch (a test restore) or --live (over the live database)');
    if (v.live && typeof v.confirm !== 'string') {
      throw new UserError('restore --live: needs --confirm DBNAME (the database name, typed out)', { hint: 'Try a test restore first: opsdeck restore ID --scratch' });
    }
    if (v.scratch && v.confirm !== undefined) throw new UserError('restore --scratch: --confirm is only for --live');
    const watching = !v.json && (ctx.stderr as { isTTY?: boolean }).isTTY === true;
    const progress = (step: string, detail?: string) => {
      if (watching) ctx.stderr.write(`… ${step}${detail ? `: ${detail}` : ''}\n`);
    };
    return withBackup(ctx, async (b) => {
      if (v.scratch) {
        const r = await testRestore(b, id, { onStep: progress });
        if (v.json) ctx.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else {
          const w = Math.max(5, ...r.tables.map((t) => t.table.length));
          const lines = [`test restore of ${id} (${r.method}, ${r.image}): ${r.ok ? 'PASSED' : 'FAILED'}: ${r.message}`];
          if (r.tables.length) {
            lines.push('', `${'TABLE'.padEnd(w)}  ${'RESTORED'.padStart(10)}  ${'LIVE'.padStart(10)}`);
            for (const t of r.tables) lines.push(`${t.table.padEnd(w)}  ${String(t.restored ?? '—').padStart(10)}  ${String(t.live ?? '—').padStart(10)}${t.restored !== t.live ? '  ≠' : ''}`);
          }
          ctx.stdout.write(lines.join('\n') + '\n');
        }
        return r.ok ? EXIT.ok : EXIT.degraded;
      }
      const r = await liveRestore(b, id, { confirm: String(v.confirm), onStep: progress });
      if (v.json) ctx.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        const lines = [r.message, `safety backup: ${r.safetyBackupId ?? '—'}`];
        if (r.stopped.length) lines.push(`stopped and started: ${r.stopped.join(', ')}`);
        if (!r.ok && r.rollback) lines.push(`to go back to the state before the restore: ${r.rollback}`);
        ctx.stdout.write(lines.join('\n') + '\n');
      }
      return r.ok ? EXIT.ok : EXIT.degraded;
    });
  },
};
