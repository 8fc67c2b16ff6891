import React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { KEY, mount } from './harness.js';
import { Backups } from '../../screens/Backups.js';
import { BackupWizard } from '../../screens/BackupWizard.js';
import { Restore } from '../../screens/Restore.js';
import { parseListing, rpoState } from '../../src/backup/listing.js';
import type { BackupListSnapshot, RestoreSnapshot } from '../../src/backup/backup-stores.js';
import { IDLE, applyEvent, finished, started, type RunProgress } from '../../src/backup/run-progress.js';
import { draftFrom } from '../../src/backup/settings-form.js';
import type { WizardSnapshot } from '../../src/backup/wizard-store.js';

const NOW = Date.UTC(2026, 2, 21, 9);
const manifest = (id: string) =>
  JSON.stringify({
    format: 'opsdeck-backup/1', id, database: 'shop', container: 'shop-postgres-1', image: 'postgres:15', serverVersion: '15.20', encryption: 'passphrase-file', trigger: 'schedule',
    startedAt: '2026-03-20T03:00:00Z', durationMs: 2000, plainBytes: 2000, encryptedBytes: 1000, sha256: 'a'.repeat(64), tocEntries: 20, tables: 5, liveTables: 5, verified: true, opsdeckVersion: '1', warnings: [],
  });

function listing(ids: string[], extra = '') {
  const lines = ids.flatMap((id) => [`F\t${id}.dump.gpg\t${170_000}`, `F\t${id}.manifest.json\t1`, `J\t${id}.manifest.json\t${manifest(id)}`]);
  return parseListing(lines.join('\n') + '\n' + extra, '/var/backups/opsdeck/shop');
}

function listSnapshot(ids: string[], extra = ''): BackupListSnapshot {
  const l = listing(ids, extra);
  return { status: 'ready', listing: l, rpo: rpoState(l.backups, 24, NOW, ['shop']), error: undefined, busy: undefined, notice: undefined, now: NOW, offsiteConfigured: true };
}

const listActions = () => ({ verify: vi.fn(), runBackup: vi.fn(), pruneDryRun: vi.fn(), refresh: vi.fn() });

describe('Backups screen', () => {
  it('lists every backup with age, size, verified and off-site state, and the RPO', async () => {
    const ui = mount(
      <Backups list={listSnapshot(['shop-20260321T030000Z', 'shop-20260320T030000Z'])} run={IDLE} width={110} height={20} color={false} actions={listActions()} onOpenRestore={vi.fn()} onOpenWizard={vi.fn()} onHelp={vi.fn()} onBack={vi.fn()} />,
    );
    await ui.ready();
    const f = ui.frame();
    expect(f).toContain('Backups · /var/backups/opsdeck/shop');
    expect(f).toContain('RPO ok: newest verified backup 6h old (target 24 h)');
    expect(f).toMatch(/shop-20260321T030000Z\s+6h ago\s+166\.0 KiB\s+yes\s+not copied/);
    expect(f).toMatch(/shop-20260320T030000Z\s+1d ago/);
    expect(f).toContain('test restore: never');
    ui.unmount();
  });

  it('warns when the RPO is breached', async () => {
    const ui = mount(<Backups list={listSnapshot(['shop-20260318T030000Z'])} run={IDLE} width={110} height={20} color={false} actions={listActions()} onOpenRestore={vi.fn()} onOpenWizard={vi.fn()} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    expect(ui.frame()).toContain('! RPO BREACHED: newest verified backup is 3d 6h old (target 24 h)');
    ui.unmount();
  });

  it('verifies, restores and backs up the selected backup through its actions', async () => {
    const actions = listActions();
    const onOpenRestore = vi.fn();
    const onOpenWizard = vi.fn();
    const ui = mount(
      <Backups list={listSnapshot(['shop-20260321T030000Z', 'shop-20260320T030000Z'])} run={IDLE} width={110} height={20} color={false} actions={actions} onOpenRestore={onOpenRestore} onOpenWizard={onOpenWizard} onHelp={vi.fn()} onBack={vi.fn()} />,
    );
    await ui.ready();
    await ui.press('j', 'v');
    expect(actions.verify).toHaveBeenCalledWith('shop-20260320T030000Z');
    await ui.press(KEY.enter);
    expect(onOpenRestore).toHaveBeenCalledWith('shop-20260320T030000Z');
    await ui.press('b');
    expect(actions.runBackup).toHaveBeenCalledTimes(1);
    expect(onOpenWizard).toHaveBeenCalledTimes(1);
    await ui.press('p');
    expect(actions.pruneDryRun).toHaveBeenCalledTimes(1);
    ui.unmount();
  });

  it('shows a running backup on one line', async () => {
    let run = applyEvent(started(NOW - 7000), { kind: 'step', at: '', step: 'dump', subject: 'shop' }, NOW - 6000);
    run = applyEvent(run, { kind: 'bytes', at: '', bytes: 1024 * 1024 }, NOW - 2000);
    run = applyEvent(run, { kind: 'bytes', at: '', bytes: 3 * 1024 * 1024 }, NOW);
    const ui = mount(<Backups list={listSnapshot([])} run={run} width={110} height={20} color={false} actions={listActions()} onOpenRestore={vi.fn()} onOpenWizard={vi.fn()} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    expect(ui.frame()).toContain('backing up: dump shop · 3.0 MiB at 1.0 MiB/s · 0:07');
    expect(ui.frame()).toContain('No backups yet.');
    ui.unmount();
  });

  it('renders hostile names from the server harmlessly', async () => {
    const snap = listSnapshot(['shop-20260321T030000Z'], `C\t17 3 * * * /x # opsdeck-backup /b \u001b]0;owned\u0007\u001b[2J\n`);
    const ui = mount(<Backups list={snap} run={IDLE} width={110} height={20} color={false} actions={listActions()} onOpenRestore={vi.fn()} onOpenWizard={vi.fn()} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    expect(ui.frame()).not.toMatch(/\u001b\]|\u0007|\u001b\[2J/);
    ui.unmount();
  });
});

function wizardSnapshot(patch: Partial<WizardSnapshot> = {}): WizardSnapshot {
  return {
    stage: 'detect',
    detection: {
      status: 'ready',
      candidates: [
        { id: 'a', container: 'shop-postgres-1', service: 'postgres', project: 'shop', image: 'postgres:15', running: true, user: 'shop', database: 'shop' },
        { id: 'b', container: 'legacy-db', service: undefined, project: undefined, image: 'postgres:11', running: false, user: undefined, database: undefined },
      ],
      error: undefined,
    },
    draft: draftFrom(undefined),
    errors: {},
    saved: false,
    canSave: true,
    message: undefined,
    ...patch,
  };
}

const wizardActions = () => ({ detect: vi.fn(), choose: vi.fn(), setField: vi.fn(), saveSettings: vi.fn(), wizardBack: vi.fn(), wizardToRun: vi.fn(), runBackup: vi.fn(), cancelRun: vi.fn() });

describe('Backup wizard', () => {
  it('lists detected PostgreSQL containers and chooses one', async () => {
    const actions = wizardActions();
    const ui = mount(<BackupWizard wizard={wizardSnapshot()} run={IDLE} width={100} height={24} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    expect(ui.frame()).toContain('Backup wizard · 1 detect PostgreSQL');
    expect(ui.frame()).toMatch(/shop-postgres-1\s+shop\/postgres\s+postgres:15\s+running · user shop/);
    expect(ui.frame()).toMatch(/legacy-db\s+\(no compose\)\s+postgres:11\s+stopped/);
    await ui.press('j', KEY.enter);
    expect(actions.choose).toHaveBeenCalledWith(1);
    ui.unmount();
  });

  it('edits a field in place, cycles a choice, shows errors and saves', async () => {
    const actions = wizardActions();
    const detected = { id: 'a', container: 'shop-postgres-1', service: 'postgres', project: 'shop', image: 'postgres:15', running: true, user: 'shop', database: 'shop' };
    const snap = wizardSnapshot({ stage: 'settings', draft: draftFrom(undefined, detected), errors: { recipientFile: 'public-key encryption needs exactly one of "recipientFile" or "recipient"' } });
    const ui = mount(<BackupWizard wizard={snap} run={IDLE} width={140} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    const f = ui.frame();
    expect(f).toContain('2 settings');
    expect(f).toMatch(/PostgreSQL service\s+postgres/);
    expect(f).toMatch(/backup directory\s+\/var\/backups\/opsdeck\/shop/);
    expect(f).toMatch(/encryption\s+‹public-key›/);
    expect(f).toContain('✗ public-key encryption needs exactly one of "recipientFile" or "recipient"');
    // databases is the third field: edit it.
    await ui.press('j', 'j', KEY.enter);
    await ui.waitFor((fr) => fr.includes('enter keep'));
    await ui.press(',', ' ', 'a', 'n', 'a', KEY.enter);
    expect(actions.setField).toHaveBeenCalledWith('databases', 'shop, ana');
    // The encryption choice cycles.
    await ui.press('j', 'j', 'j', KEY.enter);
    expect(actions.setField).toHaveBeenCalledWith('encryption', 'passphrase-file');
    await ui.press('s');
    expect(actions.saveSettings).toHaveBeenCalledTimes(1);
    ui.unmount();
  });

  it('drops an edit on esc', async () => {
    const actions = wizardActions();
    const ui = mount(<BackupWizard wizard={wizardSnapshot({ stage: 'settings' })} run={IDLE} width={140} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    await ui.press(KEY.enter, 'x', 'y', KEY.esc);
    await ui.waitFor((fr) => !fr.includes('enter keep'));
    expect(actions.setField).not.toHaveBeenCalled();
    ui.unmount();
  });

  it('runs with progress: step, bytes, rate, elapsed; then a summary', async () => {
    const actions = wizardActions();
    const snap = wizardSnapshot({ stage: 'run', draft: { ...draftFrom(undefined), service: 'postgres', project: 'shop', databases: 'shop', directory: '/b', encryption: 'passphrase-file' } });
    const ui = mount(<BackupWizard wizard={snap} run={IDLE} width={120} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    expect(ui.frame()).toContain('Press x to back up now.');
    await ui.press('x');
    expect(actions.runBackup).toHaveBeenCalledTimes(1);
    let run: RunProgress = started(1_000);
    run = applyEvent(run, { kind: 'step', at: '', step: 'prepare', subject: '' }, 1_100, () => 'create the backup directory');
    run = applyEvent(run, { kind: 'step', at: '', step: 'dump', subject: 'shop' }, 1_500, () => 'dump the database and encrypt it on the server');
    run = applyEvent(run, { kind: 'bytes', at: '', bytes: 0 }, 2_000);
    run = applyEvent(run, { kind: 'bytes', at: '', bytes: 10 * 1024 * 1024 }, 4_000);
    ui.rerender(<BackupWizard wizard={snap} run={{ ...run, now: 73_000 }} width={120} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    const f = await ui.waitFor((fr) => fr.includes('step dump shop'));
    expect(f).toContain('step dump shop · 10.0 MiB at 5.0 MiB/s · elapsed 1:12');
    expect(f).toContain('✓ prepare: create the backup directory (0:00)');
    expect(f).toContain('… dump shop: dump the database and encrypt it on the server');
    await ui.press('c');
    expect(actions.cancelRun).toHaveBeenCalledTimes(1);
    const done = finished(applyEvent(run, { kind: 'backup', at: '', id: 'shop-20260321T030000Z', bytes: 11 * 1024 * 1024, sha256: 'f'.repeat(64) }, 5_000), {
      status: 'ok', exitCode: 0, backups: [{ id: 'shop-20260321T030000Z', bytes: 11 * 1024 * 1024, sha256: 'f'.repeat(64) }], warnings: ['the dump has data for 4 tables, the database has 5 now'], offsite: [], pruned: ['shop-20260101T030000Z'], failedStep: undefined, message: undefined, stderr: [], durationMs: 5_000,
    }, 6_000);
    ui.rerender(<BackupWizard wizard={snap} run={done} width={120} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    const s = await ui.waitFor((fr) => fr.includes('backup done'));
    expect(s).toContain('backup done in 0:05');
    expect(s).toContain('shop-20260321T030000Z  11.0 MiB  verified  sha256 ffffffffffffffff…');
    expect(s).toContain('pruned: shop-20260101T030000Z');
    expect(s).toContain('warning: the dump has data for 4 tables, the database has 5 now');
    ui.unmount();
  });
});

const restoreActions = () => ({ testRestore: vi.fn(), liveRestore: vi.fn(), rollback: vi.fn(), resetRestore: vi.fn() });
const IDLE_RESTORE: RestoreSnapshot = { phase: 'idle', mode: undefined, id: undefined, steps: [], startedAt: undefined, now: 0, test: undefined, live: undefined, error: undefined };
const ID = 'shop-20260320T030000Z';

describe('Restore screen', () => {
  it('starts a test restore with one key', async () => {
    const actions = restoreActions();
    const ui = mount(<Restore id={ID} restore={IDLE_RESTORE} width={120} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    await ui.press('t');
    expect(actions.testRestore).toHaveBeenCalledWith(ID);
    ui.unmount();
  });

  it('restores over the live database only when its name is typed exactly', async () => {
    const actions = restoreActions();
    const ui = mount(<Restore id={ID} restore={IDLE_RESTORE} width={120} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    await ui.press('L');
    await ui.waitFor((f) => f.includes('Type the database name (shop) to go on:'));
    expect(ui.frame()).toContain(`This replaces the live database shop with ${ID}.`);
    await ui.press('S', 'h', 'o', 'p', KEY.enter);
    await ui.waitFor((f) => f.includes("'Shop' is not 'shop': nothing was restored"));
    expect(actions.liveRestore).not.toHaveBeenCalled();
    await ui.press('L');
    await ui.waitFor((f) => f.includes('Type the database name'));
    await ui.press('s', 'h', 'o', 'p', KEY.enter);
    expect(actions.liveRestore).toHaveBeenCalledWith(ID, 'shop');
    ui.unmount();
  });

  it('shows the steps while running and the row counts after a test restore', async () => {
    const running: RestoreSnapshot = { ...IDLE_RESTORE, phase: 'running', mode: 'test', id: ID, startedAt: 0, now: 9_000, steps: [{ id: 'verify', detail: undefined, startedAt: 0 }, { id: 'scratch', detail: 'postgres:15', startedAt: 1 }] };
    const ui = mount(<Restore id={ID} restore={running} width={120} height={30} color={false} actions={restoreActions()} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    expect(ui.frame()).toContain(`test restore of ${ID} · 0:09`);
    expect(ui.frame()).toContain('✓ verify it (sha256, decrypt, pg_restore --list)');
    expect(ui.frame()).toContain('… start a throwaway PostgreSQL (postgres:15)');
    const done: RestoreSnapshot = {
      ...running,
      phase: 'done',
      test: { id: ID, checkedAt: '2026-03-21T09:00:00Z', ok: true, method: 'container', image: 'postgres:15', durationMs: 9000, message: '2 tables, 2007 rows restored; 1 table(s) differ from live', tables: [{ table: 'public.orders', restored: 2000, live: 2000 }, { table: 'public.audit', restored: 7, live: 10 }] },
    };
    ui.rerender(<Restore id={ID} restore={done} width={120} height={30} color={false} actions={restoreActions()} onHelp={vi.fn()} onBack={vi.fn()} />);
    const f = await ui.waitFor((fr) => fr.includes('PASSED'));
    expect(f).toContain('PASSED (container, postgres:15, 0:09): 2 tables, 2007 rows restored; 1 table(s) differ from live');
    expect(f).toMatch(/public\.orders\s+2000\s+2000/);
    expect(f).toMatch(/public\.audit\s+7\s+10\s+≠/);
    ui.unmount();
  });

  it('after a failed live restore offers the way back, again only with the name typed', async () => {
    const actions = restoreActions();
    const failed: RestoreSnapshot = {
      ...IDLE_RESTORE,
      phase: 'failed',
      mode: 'live',
      id: ID,
      live: { ok: false, id: ID, database: 'shop', safetyBackupId: 'shop-20260321T090000Z', stopped: ['shop-api-1'], health: [{ name: 'shop-api-1', state: 'healthy' }], unhealthy: [], message: `restoring ${ID} into shop failed: boom; shop was not changed.`, rollback: 'opsdeck restore shop-20260321T090000Z --host prod --live --confirm shop' },
      error: 'x',
    };
    const ui = mount(<Restore id={ID} restore={failed} width={140} height={30} color={false} actions={actions} onHelp={vi.fn()} onBack={vi.fn()} />);
    await ui.ready();
    expect(ui.frame()).toContain('safety backup: shop-20260321T090000Z');
    expect(ui.frame().replace(/\s+/g, ' ')).toContain('Press u to go back to the safety backup, or run: opsdeck restore shop-20260321T090000Z --host prod --live --confirm shop');
    await ui.press('u');
    await ui.waitFor((f) => f.includes('This restores the safety backup shop-20260321T090000Z over shop.'));
    await ui.press('s', 'h', 'o', 'p', KEY.enter);
    expect(actions.rollback).toHaveBeenCalledTimes(1);
    ui.unmount();
  });
});
