/**
 * THE backup pipeline, as data. Every step is a list of argv commands (shell-model.ts); the
 * generated script (script.ts) is rendered from this list, and that one script is both what
 * `opsdeck backup run` streams to the server and what `opsdeck backup schedule` installs for
 * cron. There is no second, hand-written copy of any command here.
 *
 * Settings reach the commands as shell variables that the script assigns once at the top from
 * quoted literals (script.ts `settingsBlock`); run-time values (the container found, the backup
 * id, sizes) are variables the steps set. Glue that needs shell control flow lives in the small
 * constant helper functions of script-helpers.ts, which see data only through variables.
 */
import type { ResolvedBackupSettings } from './settings.js';
import { cat, cmd, v, type Command, type Statement, type Word } from './shell-model.js';

export type RunStepId = 'prepare' | 'preflight' | 'locate' | 'dump' | 'verify' | 'manifest' | 'commit' | 'offsite' | 'prune';
export type StepId = RunStepId | 'reverify' | 'fetch';

export interface StepDef {
  id: StepId;
  /** What the step does, for progress lines and failure messages. */
  title: string;
  /** Runs once per run, or once per database. */
  scope: 'run' | 'database' | 'backup';
  /** A failure here fails the run (exit 2), or only degrades it (exit 1: the backup itself is safe). */
  onFailure: 'fail' | 'degrade';
  body: Statement[];
}

const DOCKER: Word[] = ['docker', '-H', v('DOCKER_HOST_URL')];
const DUMP_FILE = v('DUMP_FILE');
const TOC_FILE = cat(v('WORK'), '/toc');

/** docker exec into the PostgreSQL container, as the configured role. */
function inPostgres(argv: Word[], opts: { stdin?: boolean } = {}): Word[] {
  return [...DOCKER, 'exec', ...(opts.stdin ? ['-i'] : []), '--', v('PG_CONTAINER'), ...argv];
}

function psqlQuery(sql: string): Word[] {
  return inPostgres(['psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', v('PG_USER'), '-d', v('DB'), '-c', sql]);
}

/** pg_dump in custom format: compressed, restorable table by table, listable by pg_restore. */
export function dumpCommand(): Command {
  // The application name lets a stopped run end its pg_dump session (docker exec does not).
  return cmd([...DOCKER, 'exec', '-e', cat('PGAPPNAME=opsdeck-backup-', v('RUN_TOKEN')), '--', v('PG_CONTAINER'), 'pg_dump', '-U', v('PG_USER'), '-Fc', '--no-owner', '--no-acl', '-d', v('DB')]);
}

/**
 * gpg reading the dump on stdin. The passphrase comes through descriptor 3 from the file on the
 * server: never argv, never the environment. pg_dump -Fc is already compressed.
 */
export function encryptCommand(s: ResolvedBackupSettings, output: Word): Command {
  const common: Word[] = ['gpg', '--batch', '--yes', '--no-tty', '--quiet', '--compress-algo', 'none', '--output', output];
  if (s.encryption.mode === 'passphrase-file') {
    return cmd([...common, '--pinentry-mode', 'loopback', '--no-symkey-cache', '--passphrase-fd', '3', '--symmetric', '--cipher-algo', 'AES256'], {
      readFds: [{ fd: 3, from: v('PASSPHRASE_FILE') }],
    });
  }
  const recipient: Word[] = s.encryption.recipientFile !== undefined ? ['--recipient-file', v('RECIPIENT_FILE')] : ['--recipient', v('RECIPIENT')];
  // The key was put there by the operator on purpose; gpg's web of trust has no say here.
  return cmd([...common, '--trust-model', 'always', ...recipient, '--encrypt']);
}

/** gpg decrypting a backup to stdout (only possible with a passphrase file on the server). */
export function decryptCommand(input: Word): Command {
  return cmd(
    ['gpg', '--batch', '--no-tty', '--quiet', '--pinentry-mode', 'loopback', '--no-symkey-cache', '--passphrase-fd', '3', '--decrypt', '--', input],
    { readFds: [{ fd: 3, from: v('PASSPHRASE_FILE') }] },
  );
}

/**
 * pg_restore into a database from stdin, all or nothing: --single-transaction means a failure
 * leaves the database as it was. `clean` drops each object before re-creating it (live restore).
 */
export function restoreCommand(opts: { clean: boolean }): Command {
  return cmd([
    ...DOCKER, 'exec', '-i', '--', v('PG_CONTAINER'),
    'pg_restore', '-U', v('PG_USER'), '-d', v('DB'), '--no-owner', '--no-acl', '--exit-on-error', '--single-transaction',
    ...(opts.clean ? ['--clean', '--if-exists'] : []),
  ]);
}

/** pg_restore --list on stdin; drain_after reads what it leaves so gpg checks the whole file. */
export function listCommand(output: Word): Command {
  return cmd(['drain_after', ...inPostgres(['pg_restore', '--list'], { stdin: true })], { stdout: output });
}

const LIVE_FACTS_SQL =
  "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%') || ' ' || current_setting('server_version')";

function prepareStep(): StepDef {
  return {
    id: 'prepare',
    title: 'create the backup directory (mode 700) and take the lock',
    scope: 'run',
    onFailure: 'fail',
    body: [
      { kind: 'run', pipeline: [cmd(['mkdir', '-p', '--', v('BACKUP_DIR')])], message: 'cannot create the backup directory' },
      { kind: 'run', pipeline: [cmd(['chmod', '700', '--', v('BACKUP_DIR')])], message: 'cannot set mode 700 on the backup directory (is it owned by another user?)' },
      { kind: 'run', pipeline: [cmd(['mkdir', '-p', '--', v('STATE_DIR'), v('INCOMING')])], message: 'cannot create the state directories' },
      { kind: 'run', pipeline: [cmd(['chmod', '700', '--', v('STATE_DIR'), v('INCOMING')])], message: 'cannot set mode 700 on the state directories' },
      { kind: 'run', pipeline: [cmd(['take_lock'])], message: 'another backup is running in this directory' },
      { kind: 'run', pipeline: [cmd(['clean_incoming'])], message: 'cannot clear partial files left by an earlier run' },
    ],
  };
}

function preflightStep(s: ResolvedBackupSettings): StepDef {
  const body: Statement[] = [{ kind: 'run', pipeline: [cmd(['require_tools', 'gpg', 'docker', 'sha256sum', 'stat', 'sync'])], message: 'a tool the backup needs is missing on the server' }];
  if (s.encryption.mode === 'passphrase-file') {
    body.push(
      { kind: 'check', test: ['-f', v('PASSPHRASE_FILE')], message: `the passphrase file ${s.encryption.passphraseFile} does not exist on the server` },
      { kind: 'check', test: ['-r', v('PASSPHRASE_FILE')], message: `the passphrase file ${s.encryption.passphraseFile} is not readable by the backup user` },
      { kind: 'check', test: ['-s', v('PASSPHRASE_FILE')], message: `the passphrase file ${s.encryption.passphraseFile} is empty` },
      { kind: 'run', pipeline: [cmd(['check_private_file', v('PASSPHRASE_FILE')])], message: `the passphrase file ${s.encryption.passphraseFile} is readable by other users (chmod 600 it)` },
    );
  } else {
    if (s.encryption.recipientFile !== undefined) {
      body.push({ kind: 'check', test: ['-r', v('RECIPIENT_FILE')], message: `the public key file ${s.encryption.recipientFile} is missing or not readable` });
    }
    // Fail before dumping rather than after: encrypt a few bytes to nowhere with the same command.
    body.push({ kind: 'run', pipeline: [cmd(['printf', 'opsdeck']), encryptCommand(s, '/dev/null')], message: 'the public key cannot encrypt (no usable encryption subkey, expired or revoked?)' });
  }
  if (s.rsync) body.push({ kind: 'check', test: ['-r', v('RSYNC_KEY')], message: `the storage box key ${s.rsync.identityFile} is missing or not readable`, }, { kind: 'run', pipeline: [cmd(['require_tools', 'rsync', 'ssh'])], message: 'rsync is not installed on the server' });
  return { id: 'preflight', title: 'check tools and the encryption key', scope: 'run', onFailure: 'fail', body };
}

function locateStep(s: ResolvedBackupSettings): StepDef {
  return {
    id: 'locate',
    title: `find the PostgreSQL container (service ${s.postgres.service})`,
    scope: 'run',
    onFailure: 'fail',
    body: [
      // "<name> <image>" from one `docker ps`.
      { kind: 'capture', into: 'PG_FOUND', pipeline: [cmd(['find_pg_container'])], message: `no single running container for the PostgreSQL service ${s.postgres.service}` },
      { kind: 'run', pipeline: [cmd(['split_pg_found'])], message: `no single running container for the PostgreSQL service ${s.postgres.service}` },
    ],
  };
}

function dumpStep(s: ResolvedBackupSettings): StepDef {
  const partial = DUMP_FILE;
  const count = cmd(['count_into', cat(v('WORK'), '/plain.bytes')]);
  const pipeline: Command[] =
    s.encryption.mode === 'passphrase-file'
      ? [dumpCommand(), count, encryptCommand(s, partial)]
      : // The server cannot decrypt a public-key backup, so the plaintext is listed on its way in.
        [dumpCommand(), count, cmd(['tee_toc', TOC_FILE, ...inPostgres(['pg_restore', '--list'], { stdin: true })]), encryptCommand(s, partial)];
  return {
    id: 'dump',
    title: 'dump the database and encrypt it on the server',
    scope: 'database',
    onFailure: 'fail',
    body: [
      { kind: 'run', pipeline: [cmd(['mkdir', '-m', '700', '--', v('WORK')])], message: 'cannot create the work directory' },
      { kind: 'run', pipeline: [cmd(['start_ticker', partial])], message: 'cannot start the progress reporter' },
      { kind: 'run', pipeline, message: 'pg_dump | gpg failed' },
      { kind: 'run', pipeline: [cmd(['stop_ticker'])], message: 'cannot stop the progress reporter' },
      { kind: 'run', pipeline: [cmd(['sync', '--', partial])], message: 'cannot flush the backup to disk (fsync)' },
    ],
  };
}

function tocChecks(): Statement[] {
  return [
    { kind: 'capture', into: 'TOC_ENTRIES', pipeline: [cmd(['count_toc_entries', TOC_FILE])], message: 'cannot read the table of contents' },
    { kind: 'capture', into: 'TOC_TABLES', pipeline: [cmd(['count_toc_tables', TOC_FILE])], message: 'cannot read the table of contents' },
  ];
}

function verifyStep(s: ResolvedBackupSettings): StepDef {
  const body: Statement[] = [
    { kind: 'capture', into: 'ENC_BYTES', pipeline: [cmd(['stat', '-c', '%s', '--', DUMP_FILE])], message: 'the encrypted dump is missing' },
    { kind: 'run', pipeline: [cmd(['check_min_size'])], message: 'the encrypted dump is too small to hold a database' },
  ];
  if (s.encryption.mode === 'passphrase-file') {
    body.push({ kind: 'run', pipeline: [decryptCommand(DUMP_FILE), listCommand(TOC_FILE)], message: 'the backup does not decrypt and list with pg_restore' });
  } else {
    body.push({ kind: 'run', pipeline: [cmd(['toc_from_dump_ok', TOC_FILE])], message: 'pg_restore --list rejected the dump on its way to gpg' });
  }
  body.push(
    ...tocChecks(),
    // One round trip for both facts: "<tables> <server version>".
    { kind: 'capture', into: 'LIVE_FACTS', pipeline: [cmd(psqlQuery(LIVE_FACTS_SQL))], message: 'cannot read the table count and version of the live database' },
    { kind: 'run', pipeline: [cmd(['split_live_facts'])], message: 'cannot read the table count and version of the live database' },
    { kind: 'run', pipeline: [cmd(['table_sanity'])], message: 'the dump holds no table data although the database has tables' },
    { kind: 'run', pipeline: [cmd(['size_sanity'])], message: 'cannot compare with the previous backup' },
    { kind: 'capture', into: 'SHA256', pipeline: [cmd(['sha256sum', '--', DUMP_FILE]), cmd(['cut', '-d', ' ', '-f', '1'])], message: 'cannot checksum the backup' },
  );
  return { id: 'verify', title: 'verify: decrypt, pg_restore --list, size and table sanity, sha256', scope: 'database', onFailure: 'fail', body };
}

/** `opsdeck backup verify ID`: the same checks on a finished backup, plus its recorded sha256. */
function reverifyStep(s: ResolvedBackupSettings): StepDef {
  const body: Statement[] = [
    { kind: 'check', test: ['-f', DUMP_FILE], message: 'no such backup on the server' },
    { kind: 'run', pipeline: [cmd(['mkdir', '-m', '700', '--', v('WORK')])], message: 'cannot create the work directory' },
    { kind: 'capture', into: 'ENC_BYTES', pipeline: [cmd(['stat', '-c', '%s', '--', DUMP_FILE])], message: 'cannot read the backup size' },
    { kind: 'capture', into: 'SHA256', pipeline: [cmd(['sha256sum', '--', DUMP_FILE]), cmd(['cut', '-d', ' ', '-f', '1'])], message: 'cannot checksum the backup' },
    { kind: 'run', pipeline: [cmd(['compare_with_manifest'])], message: 'the backup does not match its manifest (size or sha256 changed since it was made)' },
  ];
  if (s.encryption.mode === 'passphrase-file') {
    body.push({ kind: 'run', pipeline: [decryptCommand(DUMP_FILE), listCommand(TOC_FILE)], message: 'the backup does not decrypt and list with pg_restore' }, ...tocChecks());
  }
  return { id: 'reverify', title: 'verify a finished backup: sha256 against its manifest, decrypt, pg_restore --list', scope: 'backup', onFailure: 'fail', body };
}

function manifestStep(): StepDef {
  return {
    id: 'manifest',
    title: 'write the manifest',
    scope: 'database',
    onFailure: 'fail',
    body: [
      { kind: 'run', pipeline: [cmd(['write_manifest'], { stdout: cat(v('WORK'), '/manifest.json') })], message: 'cannot write the manifest' },
      { kind: 'run', pipeline: [cmd(['sync', '--', cat(v('WORK'), '/manifest.json')])], message: 'cannot flush the manifest to disk (fsync)' },
    ],
  };
}

function commitStep(): StepDef {
  const final = (suffix: string) => cat(v('BACKUP_DIR'), '/', v('ID'), suffix);
  return {
    id: 'commit',
    title: 'move the backup into place (atomic rename)',
    scope: 'database',
    onFailure: 'fail',
    body: [
      { kind: 'check', negate: true, test: ['-e', final('.dump.gpg')], message: 'a backup with this id already exists' },
      // The dump first, then the manifest: a manifest always has its dump beside it.
      { kind: 'run', pipeline: [cmd(['mv', '-T', '--', DUMP_FILE, final('.dump.gpg')])], message: 'cannot rename the backup into place' },
      { kind: 'run', pipeline: [cmd(['mv', '-T', '--', cat(v('WORK'), '/manifest.json'), final('.manifest.json')])], message: 'cannot rename the manifest into place' },
      { kind: 'run', pipeline: [cmd(['sync', '--', v('BACKUP_DIR')])], message: 'cannot flush the backup directory (fsync)' },
      { kind: 'run', pipeline: [cmd(['rm', '-rf', '--', v('WORK')])], message: 'cannot remove the work directory' },
      { kind: 'run', pipeline: [cmd(['emit', 'backup', v('ID'), v('ENC_BYTES'), v('SHA256')])], message: 'cannot report the backup' },
    ],
  };
}

function offsiteStep(): StepDef {
  const file = (suffix: string) => cat(v('BACKUP_DIR'), '/', v('ID'), suffix);
  return {
    id: 'offsite',
    title: 'copy off-site with rsync and compare size and sha256 on the far side',
    scope: 'backup',
    onFailure: 'degrade',
    body: [
      {
        kind: 'run',
        pipeline: [
          cmd([
            'rsync', '--archive', '--partial-dir=.rsync-partial', '--timeout=120', '--chmod=F600',
            '--rsh', v('RSYNC_SSH'), '--', file('.dump.gpg'), file('.manifest.json'), v('RSYNC_DEST_DIR'),
          ]),
        ],
        message: 'rsync to the storage box failed',
      },
      { kind: 'run', pipeline: [cmd(['offsite_compare'])], message: 'the off-site copy differs from the backup' },
    ],
  };
}

function pruneStep(): StepDef {
  return {
    id: 'prune',
    title: 'prune by the retention policy (never the newest verified backup)',
    scope: 'run',
    onFailure: 'degrade',
    body: [{ kind: 'run', pipeline: [cmd(['prune_all'])], message: 'pruning old backups failed' }],
  };
}

/** `--fetch ID`: bring a backup back from the storage box into the backup directory. */
function fetchStep(): StepDef {
  const remote = (suffix: string) => cat(v('RSYNC_DEST_DIR'), v('ID'), suffix);
  return {
    id: 'fetch',
    title: 'fetch the backup back from the off-site copy',
    scope: 'backup',
    onFailure: 'fail',
    body: [
      {
        kind: 'run',
        pipeline: [cmd(['rsync', '--archive', '--partial-dir=.rsync-partial', '--timeout=120', '--rsh', v('RSYNC_SSH'), '--', remote('.dump.gpg'), remote('.manifest.json'), cat(v('BACKUP_DIR'), '/')])],
        message: 'rsync from the storage box failed (is the backup there?)',
      },
    ],
  };
}

export interface BackupPipeline {
  /** Before any database: directories, lock, tools, the container. */
  setup: StepDef[];
  /** For each database, in order; the last one commits the backup. */
  perDatabase: StepDef[];
  /** For each backup committed in this run (off-site copy). */
  perBackup: StepDef[];
  /** After all databases succeeded. */
  finish: StepDef[];
  /** `--verify ID` mode. */
  reverify: StepDef;
  /** `--fetch ID` mode (with an off-site copy only). */
  fetch: StepDef | undefined;
}

export function backupPipeline(s: ResolvedBackupSettings): BackupPipeline {
  return {
    setup: [prepareStep(), preflightStep(s), locateStep(s)],
    perDatabase: [dumpStep(s), verifyStep(s), manifestStep(), commitStep()],
    perBackup: s.rsync ? [offsiteStep()] : [],
    finish: [pruneStep()],
    reverify: reverifyStep(s),
    fetch: s.rsync ? fetchStep() : undefined,
  };
}

export function allSteps(p: BackupPipeline): StepDef[] {
  return [...p.setup, ...p.perDatabase, ...p.perBackup, ...p.finish, p.reverify, ...(p.fetch ? [p.fetch] : [])];
}
