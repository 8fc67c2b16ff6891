/**
 * The fleet's backup column and notice against the lab: web-1 with one real, verified backup of
 * the shop database (a `backup run` just before) is within its RPO; db-1, whose backup directory
 * holds nothing, has no verified backup and says so in the notices. Both read over the fleet's
 * own connection to each server, as `opsdeck backup list` reads them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { labServers, requireLab, writeFleetProfiles } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { interactiveEnv, startOnPty, waitForScreen } from '../support/pty-terminal.js';
import { cli, deployIds, makeBackupArea, settingsFor, writeProfile, type BackupArea } from './backup-helpers.js';

const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
const areas: BackupArea[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-fleet-backup-'));

afterAll(() => {
  for (const a of areas) a.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rowOf = (screen: string, name: string) => screen.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';

describe('backups in the fleet view', () => {
  it('shows the newest verified backup against the RPO per server, and a notice for one without', async () => {
    const lab = await requireLab();
    const web = makeBackupArea(lab, 'fleet-web');
    const db = makeBackupArea(lab, 'fleet-db');
    areas.push(web, db);
    const webSettings = settingsFor(web, ['shop'], { rpoHours: 24 });
    writeProfile(lab, web, webSettings);
    const run = await cli(lab, web, ['backup', 'run']);
    expect(run.code, run.stderr).toBe(0);
    // db-1's directory exists and is empty: no backup was ever made there.
    fs.mkdirSync(db.dir, { mode: 0o700 });
    const ids = deployIds(lab);
    fs.chownSync(db.dir, ids.uid, ids.gid);
    const profiles = writeFleetProfiles(path.join(dir, 'profiles.json'), {
      servers: {
        'web-1': { backup: webSettings },
        'db-1': { backup: { ...settingsFor(db, ['app'], { rpoHours: 24 }), postgres: { service: 'postgres', project: 'db', databases: ['app'] } } },
      },
    });
    const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, '--config', profiles, '--ssh-config', labServers()[0]!.sshConfigPath, '--group', 'shop'];
    const t = startOnPty(argv, { cols: 200, rows: 40, env: interactiveEnv({ OPSDECK_CONFIG: profiles }) });
    try {
      const s = await waitForScreen(t, 'the backup ages never showed', (x) => /\/24h/.test(rowOf(x, 'web-1')) && /none\/24h !/.test(rowOf(x, 'db-1')), 60_000);
      expect(rowOf(s, 'web-1')).toMatch(/ \S+\/24h +20\./);
      expect(rowOf(s, 'web-1')).not.toContain('!');
      expect(rowOf(s, 'staging-1')).toMatch(/ — +20\./);
      expect(s).toMatch(/db-1 +no verified backup \(RPO 24 h\)/);
      expect(s).not.toMatch(/web-1 +(no verified backup|newest verified backup)/);
    } finally {
      t.child.kill('SIGKILL');
    }
  }, 180_000);
});
