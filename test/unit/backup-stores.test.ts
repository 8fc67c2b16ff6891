import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createBackupFeature } from '../../src/backup/backup-feature.js';
import type { BackupContext } from '../../src/backup/backup-context.js';
import { BackupListStore, BackupRunStore } from '../../src/backup/backup-stores.js';
import { resolveSettings } from '../../src/backup/settings.js';
import type { BackupSettings } from '../../src/config/backup-settings-schema.js';
import type { ServerConnection } from '../../src/transport/connection.js';
import type { ExecResult, ExecStream } from '../../src/transport/exec-types.js';

const settings: BackupSettings = {
  postgres: { service: 'postgres', project: 'shop', databases: ['shop'], user: 'shop' },
  directory: '/b',
  encryption: { mode: 'passphrase-file', passphraseFile: '/p' },
};
const ev = (e: string) => `@opsdeck\t2026-01-01T00:00:00Z\t${e}\n`;

/** A server whose script prints `lines`, then waits for opsdeck to hang up (a cancel) or finishes. */
function fakeConn(opts: { lines: string[]; code: number; waitForCancel?: boolean; list?: () => Promise<ExecResult> }) {
  let streams = 0;
  const conn = {
    target: { kind: 'ssh', label: 'prod', socketPath: '/var/run/docker.sock' },
    onReconnected: () => () => undefined,
    exec: async (): Promise<ExecResult> => (opts.list ? opts.list() : { code: 0, stdout: 'M\n', stderr: '' }),
    execStream: async (): Promise<ExecStream> => {
      streams++;
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let done: (r: { code: number }) => void = () => undefined;
      const finished = new Promise<{ code: number }>((r) => (done = r));
      setImmediate(() => {
        for (const l of opts.lines) stdout.write(l);
        if (!opts.waitForCancel) {
          stdout.end();
          stderr.end();
          done({ code: opts.code });
        }
      });
      // The script's watchdog: stdin ending stops the run (exit 143).
      stdin.on('finish', () => {
        if (!opts.waitForCancel) return;
        stdout.end(ev('stopped'));
        stderr.end();
        done({ code: 143 });
      });
      stdin.resume();
      return { stdin, stdout, stderr, wait: () => finished, kill: () => undefined };
    },
  };
  return { conn: conn as unknown as ServerConnection, streams: () => streams };
}

const ctxOf = (conn: ServerConnection): BackupContext => ({ conn, settings: resolveSettings(settings, '/var/run/docker.sock'), label: 'prod', version: '1', now: Date.now });

describe('BackupRunStore', () => {
  it('follows a run from its events to the outcome', async () => {
    const { conn } = fakeConn({ lines: [ev('step\tdump\tshop'), ev('bytes\t100'), ev(`backup\tshop-20260101T000000Z\t500\t${'b'.repeat(64)}`), ev('finished\t0')], code: 0 });
    let t = 1000;
    const store = new BackupRunStore(async () => ctxOf(conn), { now: () => (t += 100) });
    const seen: string[] = [];
    store.subscribe(() => seen.push(store.getSnapshot().phase));
    await store.start();
    const s = store.getSnapshot();
    expect(s.phase).toBe('ok');
    expect(s.backups).toEqual([{ id: 'shop-20260101T000000Z', bytes: 500 }]);
    expect(s.steps.map((x) => [x.id, x.state, x.title])).toEqual([['dump', 'done', 'dump the database and encrypt it on the server']]);
    expect(seen[0]).toBe('running');
  });

  it('cancels by ending the lifeline; the outcome says the server cleaned up', async () => {
    const { conn } = fakeConn({ lines: [ev('step\tdump\tshop'), ev('bytes\t100')], code: 0, waitForCancel: true });
    const store = new BackupRunStore(async () => ctxOf(conn));
    const running = store.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(store.getSnapshot().phase).toBe('running');
    store.cancel();
    await running;
    expect(store.getSnapshot().phase).toBe('cancelled');
    expect(store.getSnapshot().outcome?.message).toBe('cancelled; the server stopped the run and removed its partial files');
  });

  it('starts one run at a time', async () => {
    const f = fakeConn({ lines: [ev('finished\t0')], code: 0 });
    const store = new BackupRunStore(async () => ctxOf(f.conn));
    await Promise.all([store.start(), store.start()]);
    expect(f.streams()).toBe(1);
  });
});

describe('BackupListStore', () => {
  it('lists once at a time and reports a failure as a line', async () => {
    let calls = 0;
    let fail = false;
    const { conn } = fakeConn({
      lines: [],
      code: 0,
      list: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        return fail ? { code: 1, stdout: '', stderr: 'bash: permission denied\n' } : { code: 0, stdout: 'M\n', stderr: '' };
      },
    });
    const store = new BackupListStore(async () => ctxOf(conn), { now: () => 0 });
    await Promise.all([store.refresh(), store.refresh(), store.refresh()]);
    expect(calls).toBe(1);
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', rpo: { breached: true } });
    fail = true;
    await store.refresh();
    expect(store.getSnapshot()).toMatchObject({ status: 'error', error: 'cannot list /b on the server: bash: permission denied' });
  });
});

describe('the backup feature', () => {
  it('starts at the wizard without settings, and adopts what the wizard saves', async () => {
    const { conn } = fakeConn({ lines: [], code: 0 });
    const saved: BackupSettings[] = [];
    const f = createBackupFeature(conn, { label: 'prod', settings: undefined, saveSettings: (s) => void saved.push(s) });
    expect(f.configured()).toBe(false);
    expect(f.stores.wizard.getSnapshot().stage).toBe('detect');
    await f.stores.list.refresh();
    expect(f.stores.list.getSnapshot().error).toMatch(/^no backup settings for 'prod'/);
    for (const [k, v] of Object.entries({ service: 'postgres', databases: 'shop', encryption: 'passphrase-file', passphraseFile: '/etc/opsdeck/pass' })) f.actions.setField(k as never, v);
    expect(await f.stores.wizard.save()).toBe(true);
    expect(saved).toHaveLength(1);
    expect(f.configured()).toBe(true);
    expect(f.stores.wizard.getSnapshot()).toMatchObject({ stage: 'run', saved: true, message: 'saved to the profile' });
  });
});
