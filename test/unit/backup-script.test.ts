import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BackupContext } from '../../src/backup/backup-context.js';
import { runBackup } from '../../src/backup/backup-run.js';
import { allSteps, backupPipeline } from '../../src/backup/pipeline.js';
import { restoreScript } from '../../src/backup/restore-script.js';
import { installSchedule } from '../../src/backup/schedule.js';
import { generateScript, renderStep } from '../../src/backup/script.js';
import { helpersFor, HELPER_FUNCTIONS } from '../../src/backup/script-helpers.js';
import { scriptArgv } from '../../src/backup/script-runner.js';
import { resolveSettings, type ResolvedBackupSettings } from '../../src/backup/settings.js';
import { cat, cmd, renderCommand, renderStatement, renderWord, v } from '../../src/backup/shell-model.js';
import type { BackupSettings } from '../../src/config/backup-settings-schema.js';
import type { ExecOptions, ExecResult, ExecStream } from '../../src/transport/exec-types.js';
import type { ServerConnection } from '../../src/transport/connection.js';

const base: BackupSettings = {
  postgres: { service: 'postgres', project: 'shop', databases: ['shop', 'analytics'] },
  directory: '/var/backups/opsdeck/shop',
  encryption: { mode: 'passphrase-file', passphraseFile: '/etc/opsdeck/backup.pass' },
};

const variants: Record<string, BackupSettings> = {
  passphrase: base,
  'public key file': { ...base, encryption: { mode: 'public-key', recipientFile: '/etc/opsdeck/backup.pub.asc' } },
  'public key fingerprint + off-site': {
    ...base,
    postgres: { service: 'db', databases: ['app'], user: 'app' },
    encryption: { mode: 'public-key', recipient: '0123456789ABCDEF0123456789ABCDEF01234567' },
    offsite: { rsync: { destination: 'u1234@u1234.your-storagebox.de:backups/shop', identityFile: '/home/deploy/.ssh/storagebox' } },
    retention: { daily: 14, weekly: 0, monthly: 12 },
  },
  'off-site to the home directory': { ...base, offsite: { rsync: { destination: 'u1@box.example:', port: 23, identityFile: '/k', knownHostsFile: '/kh' } } },
};

const resolved = (s: BackupSettings): ResolvedBackupSettings => resolveSettings(s, '/var/run/docker.sock', 'postgres');

function shellcheck(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-shellcheck-'));
  const f = path.join(dir, 'backup.sh');
  fs.writeFileSync(f, text);
  try {
    return execFileSync('shellcheck', ['-s', 'bash', '-S', 'style', f], { encoding: 'utf8' });
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? err);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the shell model', () => {
  it('quotes literals with the one quoting function and references variables, never glues data into code', () => {
    expect(renderWord("it's; rm -rf /")).toBe(`'it'\\''s; rm -rf /'`);
    expect(renderWord(v('DB'))).toBe('"${DB}"');
    expect(renderWord(cat(v('BACKUP_DIR'), '/', v('ID'), '.dump.gpg'))).toBe('"${BACKUP_DIR}"/"${ID}".dump.gpg');
    expect(renderCommand(cmd(['gpg', '--passphrase-fd', '3'], { readFds: [{ fd: 3, from: v('PASSPHRASE_FILE') }], stdout: '/dev/null' }))).toBe('gpg --passphrase-fd 3 3<"${PASSPHRASE_FILE}" >/dev/null');
    expect(() => v('x; y')).toThrow();
    expect(renderStatement({ kind: 'check', negate: true, test: ['-e', 'a b'], message: "it's gone" })).toBe(`[ ! -e 'a b' ] || { step_failed 'it'\\''s gone'; return 1; }`);
  });

  it('keeps a hostile value a single word even inside a failure message', () => {
    const hostile = "/tmp/x'$(touch /tmp/pwned)`id`";
    const text = renderStatement({ kind: 'run', pipeline: [cmd(['cat', hostile])], message: `file ${hostile} failed` });
    const out = execFileSync('bash', ['-c', `step_failed() { printf '%s' "$1"; }; f() { ${text}; }; f; echo; printf '%s' ${renderWord(hostile)}`], { encoding: 'utf8' });
    expect(out).toBe(`file ${hostile} failed\n${hostile}`);
  });
});

describe('the generated backup script', () => {
  for (const [name, s] of Object.entries(variants)) {
    it(`passes shellcheck (${name})`, () => {
      expect(shellcheck(generateScript(resolved(s), { version: '1.2.3', label: 'prod' }))).toBe('');
    });
  }

  it('passes shellcheck for the restore pipeline too', () => {
    expect(shellcheck(`#!/usr/bin/env bash\n${restoreScript(resolved(base), { file: '/b/x.dump.gpg', container: 'c', database: 'shop', clean: true })}`)).toBe('');
  });

  it('renders every step of the definition, in the definition order, and nothing else runs commands', () => {
    const s = resolved(variants['public key fingerprint + off-site']!);
    const text = generateScript(s, { version: '1', label: 'x' });
    const steps = allSteps(backupPipeline(s));
    let at = 0;
    for (const st of steps) {
      const body = renderStep(st);
      const found = text.indexOf(body, at);
      expect(found, st.id).toBeGreaterThan(at);
      at = found;
    }
    expect(steps.map((st) => st.id)).toEqual(['prepare', 'preflight', 'locate', 'dump', 'verify', 'manifest', 'commit', 'offsite', 'prune', 'reverify', 'fetch']);
  });

  it('sends the passphrase only as a file descriptor: the path is a variable, never an argument of gpg', () => {
    const text = generateScript(resolved(base), { version: '1', label: 'x' });
    for (const line of text.split('\n').filter((l) => /\bgpg\b.*--(symmetric|decrypt)/.test(l))) {
      expect(line).toContain('--passphrase-fd 3');
      expect(line).toContain('3<"${PASSPHRASE_FILE}"');
      expect(line).not.toMatch(/--passphrase(-file)? /);
    }
    expect(text).toContain("PASSPHRASE_FILE=/etc/opsdeck/backup.pass");
    // pg_dump's output never goes to a file: only through gpg.
    expect(text).toMatch(/pg_dump [^\n]*\| count_into [^\n]*\| gpg /);
  });

  it('carries only the helpers its mode uses', () => {
    const pass = generateScript(resolved(base), { version: '1', label: 'x' });
    const pub = generateScript(resolved(variants['public key file']!), { version: '1', label: 'x' });
    expect(pass).not.toContain('tee_toc()');
    expect(pub).toContain('tee_toc()');
    expect(pass).not.toContain('offsite_compare()');
    expect(helpersFor('prune_db')).toContain('GFS_AWK=');
    expect(HELPER_FUNCTIONS.size).toBeGreaterThan(20);
  });

  it('keeps comments single-line whatever the label says', () => {
    const text = generateScript(resolved(base), { version: '1\nrm -rf /', label: 'a\nb' });
    expect(text.split('\n')[1]).toBe('# opsdeck backup script, generated by opsdeck 1?rm -rf / for a?b from its pipeline definition.');
    expect(text).toContain("OPSDECK_VERSION='1\nrm -rf /'");
  });
});

/** A connection that records what would be sent, and answers like a server that ran it. */
function recordingConn(answer: { stdout: string; code: number }) {
  const sent: { kind: 'exec' | 'stream'; argv: readonly string[]; stdin?: string }[] = [];
  const conn = {
    target: { kind: 'ssh', label: 'prod', socketPath: '/var/run/docker.sock' },
    exec: async (argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> => {
      sent.push({ kind: 'exec', argv, ...(opts.stdin !== undefined ? { stdin: String(opts.stdin) } : {}) });
      return argv[0] === 'crontab' && argv[1] === '-l' ? { code: 1, stdout: '', stderr: 'no crontab for deploy\n' } : { code: 0, stdout: '', stderr: '' };
    },
    execStream: async (argv: readonly string[]): Promise<ExecStream> => {
      sent.push({ kind: 'stream', argv });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      setImmediate(() => {
        stdout.end(answer.stdout);
        stderr.end();
      });
      return { stdin: new PassThrough(), stdout, stderr, wait: async () => ({ code: answer.code }), kill: () => undefined };
    },
  };
  return { conn: conn as unknown as ServerConnection, sent };
}

describe('one source of truth', () => {
  it('a live run sends the generated script as argv, and schedule uploads the very same text', async () => {
    const settings = resolved(base);
    const events = ['start\trun\topsdeck\t1', 'step\tdump\tshop', 'backup\tshop-20260101T000000Z\t1234\t' + 'a'.repeat(64), 'finished\t0'].map((e) => `@opsdeck\t2026-01-01T00:00:00Z\t${e}\n`).join('');
    const { conn, sent } = recordingConn({ stdout: events, code: 0 });
    const ctx: BackupContext = { conn, settings, label: 'prod', version: '9.9.9', now: () => 0 };
    const o = await runBackup(ctx);
    expect(o.status).toBe('ok');
    expect(o.backups).toEqual([{ id: 'shop-20260101T000000Z', bytes: 1234, sha256: 'a'.repeat(64) }]);
    const script = generateScript(settings, { version: '9.9.9', label: 'prod' });
    expect(sent[0]).toEqual({ kind: 'stream', argv: scriptArgv(script, ['--progress']) });
    await installSchedule(ctx, '0 3 * * *');
    const upload = sent.find((x) => x.kind === 'exec' && x.argv.includes('/var/backups/opsdeck/shop/.opsdeck/backup.sh'));
    expect(upload?.stdin).toBe(script);
    const crontab = sent.find((x) => x.argv[0] === 'crontab' && x.argv[1] === '-');
    expect(crontab?.stdin).toBe("0 3 * * * /bin/bash /var/backups/opsdeck/shop/.opsdeck/backup.sh --scheduled # opsdeck-backup /var/backups/opsdeck/shop\n");
  });

  it('names the failing step and the tool\'s words when a run fails', async () => {
    const out = ['step\tdump\tshop', 'fail\tdump\tpg_dump | gpg failed', 'finished\t2'].map((e) => `@opsdeck\t2026-01-01T00:00:00Z\t${e}\n`).join('');
    const { conn } = recordingConn({ stdout: out, code: 2 });
    const o = await runBackup({ conn, settings: resolved(base), label: 'prod', version: '1', now: () => 0 });
    expect(o).toMatchObject({ status: 'failed', exitCode: 2, failedStep: 'dump' });
    expect(o.message).toBe("step 'dump' (dump the database and encrypt it on the server) failed: pg_dump | gpg failed");
  });
});
