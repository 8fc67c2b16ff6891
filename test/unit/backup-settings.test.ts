import { describe, expect, it } from 'vitest';
import { BackupSettingsSchema, type BackupSettings } from '../../src/config/backup-settings-schema.js';
import { resolveSettings, rsyncParts } from '../../src/backup/settings.js';
import { draftFrom, parseDraft, visibleFields } from '../../src/backup/settings-form.js';
import { cronLine, validateCron, withScheduleLine, withoutScheduleLine, cronMarker } from '../../src/backup/schedule-lines.js';
import { parseStoreText } from '../../src/config/profile-store.js';

const ok: BackupSettings = {
  postgres: { service: 'postgres', project: 'shop', databases: ['shop'] },
  encryption: { mode: 'passphrase-file', passphraseFile: '/etc/opsdeck/backup.pass' },
};

const problem = (value: unknown) => {
  const r = BackupSettingsSchema.safeParse(value);
  return r.success ? undefined : `${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`;
};

describe('backup settings (zod)', () => {
  it('accepts the minimal settings and fills the documented defaults', () => {
    expect(problem(ok)).toBeUndefined();
    const r = resolveSettings(BackupSettingsSchema.parse(ok), '/var/run/docker.sock', 'shop');
    expect(r).toMatchObject({
      directory: '/var/backups/opsdeck/shop',
      retention: { daily: 7, weekly: 4, monthly: 6 },
      rpoHours: 24,
      postgres: { user: 'shop' },
      rsync: undefined,
      restore: { healthTimeoutSeconds: 120, sessionWaitSeconds: 60 },
    });
    expect(resolveSettings({ ...ok, offsite: { rsync: { destination: 'u1@u1.your-storagebox.de:backups', identityFile: '/k' } } }, '/s').rsync?.port).toBe(23);
  });

  it('refuses values that would need quoting in a script, a crontab or rsync -e', () => {
    expect(problem({ ...ok, directory: '/var/backups/my backups' })).toMatch(/^directory: must be the backup directory/);
    expect(problem({ ...ok, directory: '/var/backups/%d' })).toMatch(/^directory:/);
    expect(problem({ ...ok, directory: '/var/backups/../../etc' })).toMatch(/^directory:/);
    expect(problem({ ...ok, directory: 'relative/dir' })).toMatch(/^directory:/);
    expect(problem({ ...ok, postgres: { ...ok.postgres, databases: ['shop; drop'] } })).toMatch(/^postgres.databases.0:/);
    expect(problem({ ...ok, postgres: { ...ok.postgres, databases: [] } })).toBe('postgres.databases: needs at least one database');
    expect(problem({ ...ok, encryption: { mode: 'passphrase-file', passphraseFile: "/etc/pass'word" } })).toMatch(/^encryption.passphraseFile:/);
    expect(problem({ ...ok, offsite: { rsync: { destination: 'host:path', identityFile: '/k' } } })).toMatch(/^offsite.rsync.destination: must be user@host:path/);
    expect(problem({ ...ok, offsite: { rsync: { destination: 'u@h:a b', identityFile: '/k' } } })).toMatch(/^offsite.rsync.destination:/);
  });

  it('never has a place for a passphrase', () => {
    expect(problem({ ...ok, encryption: { mode: 'passphrase-file', passphraseFile: '/p', passphrase: 'hunter2' } })).toMatch(/Unrecognized key|unrecognized/i);
    expect(problem({ ...ok, encryption: { mode: 'symmetric', passphraseFile: '/p' } })).toMatch(/mode must be "public-key" or "passphrase-file"/);
  });

  it('wants exactly one way of naming the public key', () => {
    expect(problem({ ...ok, encryption: { mode: 'public-key' } })).toMatch(/exactly one of "recipientFile" or "recipient"/);
    expect(problem({ ...ok, encryption: { mode: 'public-key', recipient: 'ABCD1234' } })).toMatch(/full 40-hex-digit/);
    expect(problem({ ...ok, encryption: { mode: 'public-key', recipientFile: '/etc/opsdeck/pub.asc' } })).toBeUndefined();
  });

  it('is part of the profile store file, with the field named on errors', () => {
    const file = (backup: unknown) => JSON.stringify({ version: 1, profiles: { prod: { ssh: { host: 'prod.example.com' }, backup } } });
    expect(parseStoreText(file(ok), '/c.json').profiles?.prod?.backup).toEqual(ok);
    expect(() => parseStoreText(file({ ...ok, retention: { daily: -1 } }), '/c.json')).toThrow(/profiles\.prod\.backup\.retention\.daily: must be 0-1000 daily backups/);
    expect(() => parseStoreText(file({ ...ok, rpo: 24 }), '/c.json')).toThrow(/profiles\.prod\.backup\.rpo: unknown field/);
  });

  it('splits storage box destinations', () => {
    expect(rsyncParts({ destination: 'u1@u1.your-storagebox.de:backups/shop', identityFile: '/k' })).toEqual({ userHost: 'u1@u1.your-storagebox.de', path: 'backups/shop' });
    expect(rsyncParts({ destination: 'u1@[::1]:b', identityFile: '/k' })).toEqual({ userHost: 'u1@[::1]', path: 'b' });
  });
});

describe('the wizard form', () => {
  it('round-trips saved settings through the draft', () => {
    const full: BackupSettings = {
      ...ok,
      postgres: { ...ok.postgres, databases: ['shop', 'analytics'], user: 'shop' },
      directory: '/srv/backups',
      offsite: { rsync: { destination: 'u1@box:b', port: 23, identityFile: '/k' } },
      retention: { daily: 3, weekly: 2, monthly: 1 },
      rpoHours: 12,
      restore: { stopServices: ['api', 'worker'] },
    };
    const r = parseDraft(draftFrom(full));
    expect(r).toEqual({ ok: true, settings: full });
  });

  it('keeps what the form has no field for', () => {
    const prev: BackupSettings = {
      ...ok,
      encryption: { mode: 'public-key', recipient: '0123456789ABCDEF0123456789ABCDEF01234567' },
      offsite: { rsync: { destination: 'u1@box:b', identityFile: '/k', knownHostsFile: '/kh' }, download: { directory: '~/backups' } },
      restore: { healthTimeoutSeconds: 30, sessionWaitSeconds: 5 },
    };
    const r = parseDraft({ ...draftFrom(prev), keepDaily: '10' }, prev);
    // The default directory becomes explicit; nothing else changes but the edited field.
    expect(r.ok && r.settings).toEqual({ ...prev, directory: '/var/backups/opsdeck/shop', offsite: { ...prev.offsite, rsync: { ...prev.offsite!.rsync!, port: 23 } }, retention: { daily: 10, weekly: 4, monthly: 6 }, rpoHours: 24 });
  });

  it('starts from what detection found, recommending public-key encryption', () => {
    const d = draftFrom(undefined, { id: 'x', container: 'shop-postgres-1', service: 'postgres', project: 'shop', image: 'postgres:15', running: true, user: 'shop', database: 'shop' });
    expect(d).toMatchObject({ service: 'postgres', project: 'shop', user: 'shop', databases: 'shop', directory: '/var/backups/opsdeck/shop', encryption: 'public-key' });
    expect(visibleFields(d).map((f) => f.key)).toContain('recipientFile');
    expect(visibleFields(d).map((f) => f.key)).not.toContain('passphraseFile');
    expect(visibleFields(d).map((f) => f.key)).not.toContain('rsyncPort');
  });

  it('puts each problem on its field', () => {
    const d = { ...draftFrom(ok), keepDaily: 'lots', directory: '/bad dir', databases: '' };
    const r = parseDraft(d);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(['databases', 'directory', 'keepDaily']);
    const pub = parseDraft({ ...draftFrom(ok), encryption: 'public-key', recipientFile: '' });
    expect(pub.ok ? {} : pub.errors).toEqual({ recipientFile: 'public-key encryption needs exactly one of "recipientFile" or "recipient"' });
  });
});

describe('the crontab line', () => {
  const s = { directory: '/var/backups/opsdeck/shop' };

  it('takes five cron fields and nothing cron or sh would act on', () => {
    expect(validateCron(' 17  3 * * * ')).toBe('17 3 * * *');
    expect(validateCron('*/15 1-5 1,15 jan-jun mon-fri')).toBe('*/15 1-5 1,15 jan-jun mon-fri');
    for (const bad of ['17 3 * *', '17 3 * * * *', '17 3 * * %', '17 3 * * ;reboot', '@daily', '17 3 * * $(id)']) expect(() => validateCron(bad), bad).toThrow(/is not a cron schedule/);
  });

  it('replaces only its own line and removes only its own line', () => {
    const mine = cronLine('0 3 * * *', s);
    expect(mine).toBe('0 3 * * * /bin/bash /var/backups/opsdeck/shop/.opsdeck/backup.sh --scheduled # opsdeck-backup /var/backups/opsdeck/shop');
    const other = '# keep me\n30 2 * * * /usr/local/bin/certbot renew\n15 1 * * * /bin/bash /x/.opsdeck/backup.sh --scheduled # opsdeck-backup /x\n';
    const installed = withScheduleLine(other, mine, cronMarker(s));
    expect(installed).toBe(other + mine + '\n');
    const again = withScheduleLine(installed, cronLine('5 4 * * *', s), cronMarker(s));
    expect(again.split('\n').filter((l) => l.includes('opsdeck-backup /var/backups/opsdeck/shop'))).toEqual([cronLine('5 4 * * *', s)]);
    expect(withoutScheduleLine(again, cronMarker(s))).toEqual({ text: other, removed: true });
    expect(withoutScheduleLine(other, cronMarker(s))).toEqual({ text: other, removed: false });
  });
});
