/**
 * The restore-latest-backup built-in against the lab's PostgreSQL: it finds the newest verified
 * backup, proves it in a scratch restore, then restores it over the live database (a database of
 * our own), which ends with the backup's rows and a safety backup beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { cli, createTestDatabase, dropTestDatabase, idsIn, labPsql, makeBackupArea, settingsFor, writeProfile, type BackupArea } from './backup-helpers.js';

const DB = 'opsdeck_e2e_rbrestore';
let lab: LabInfo;
let area: BackupArea;

interface RunJson {
  status: string;
  steps: { step: string; status: string; captures: Record<string, string> }[];
}

beforeAll(async () => {
  lab = await requireLab();
  await createTestDatabase(lab, DB, { orders: 250 });
  area = makeBackupArea(lab, 'rbrestore');
  writeProfile(lab, area, settingsFor(area, [DB], { restore: { healthTimeoutSeconds: 30, sessionWaitSeconds: 3 } }));
  const r = await cli(lab, area, ['backup', 'run']);
  expect(r.code, r.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await dropTestDatabase(lab, DB);
  area?.cleanup();
});

describe('restore-latest-backup', () => {
  it('finds the newest verified backup, tests it in scratch, then restores it over the live database', async () => {
    const [id] = idsIn(area) as [string];
    await labPsql(lab, DB, 'DELETE FROM orders WHERE id > 200;\n');
    // The safety backup of the live restore needs an id of its own (ids have one-second resolution).
    await new Promise((r) => setTimeout(r, 1100));

    const r = await cli(lab, area, ['runbook', 'run', 'restore-latest-backup', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as RunJson;
    expect(out.steps.map((s) => [s.step, s.status])).toEqual([
      ['latest', 'ok'],
      ['found', 'ok'],
      ['scratch', 'ok'],
      ['live', 'ok'],
    ]);
    expect(out.steps[0]!.captures).toEqual({ LATEST_BACKUP: id, LATEST_DATABASE: DB });
    expect(Number((await labPsql(lab, DB, 'SELECT count(*) FROM orders;\n')).trim())).toBe(250);
    // The live restore's safety backup sits beside the one restored.
    expect(idsIn(area)).toHaveLength(2);
  }, 240_000);
});
