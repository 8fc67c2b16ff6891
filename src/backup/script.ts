/**
 * Renders the backup pipeline (pipeline.ts) into one bash script. The same text is what a live
 * `opsdeck backup run` sends (`bash -c SCRIPT opsdeck-backup --live --progress`) and what
 * `opsdeck backup schedule` uploads for cron (`--scheduled`), so the two cannot drift apart.
 *
 * Layout: settings (quoted assignments) → run-state variables → helpers (script-helpers.ts) →
 * one function per step (rendered from the definition) → the runners for each mode, whose step
 * order is also rendered from the definition → a supervisor that runs the work in its own
 * process group, so that a signal, or (live runs) the end of stdin when opsdeck goes away, stops
 * the whole pipeline and removes its partial files.
 */
import { bash } from './bash-text.js';
import { allSteps, backupPipeline, type BackupPipeline, type StepDef } from './pipeline.js';
import { helpersFor } from './script-helpers.js';
import { rsyncParts, type ResolvedBackupSettings } from './settings.js';
import { renderArrayAssignment, renderAssignment, renderStatement } from './shell-model.js';
import { shellCommand } from '../transport/shell-quote.js';

export interface ScriptMeta {
  /** opsdeck's version, recorded in manifests. */
  version: string;
  /** The profile or destination the script was made for (a comment, and nothing else). */
  label: string;
}

/** Smallest plausible encrypted dump: gpg's packets around an empty custom-format archive. */
export const MIN_ENCRYPTED_BYTES = 256;

export function stateDir(s: Pick<ResolvedBackupSettings, 'directory'>): string {
  return `${s.directory}/.opsdeck`;
}

export function scriptPath(s: Pick<ResolvedBackupSettings, 'directory'>): string {
  return `${stateDir(s)}/backup.sh`;
}

export function logPath(s: Pick<ResolvedBackupSettings, 'directory'>): string {
  return `${stateDir(s)}/backup.log`;
}

/** ssh argv the server uses to reach the storage box (rsync -e and the sha256 comparison). */
export function storageBoxSsh(s: ResolvedBackupSettings): string[] {
  const r = s.rsync;
  if (!r) return [];
  return [
    'ssh', '-p', String(r.port), '-i', r.identityFile,
    '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=30',
    ...(r.knownHostsFile ? ['-o', `UserKnownHostsFile=${r.knownHostsFile}`] : []),
  ];
}

export function settingsBlock(s: ResolvedBackupSettings, meta: ScriptMeta): string {
  const enc = s.encryption;
  const r = s.rsync;
  const parts = r ? rsyncParts(r) : undefined;
  const sshArgv = storageBoxSsh(s);
  const lines = [
    renderAssignment('OPSDECK_VERSION', meta.version),
    renderAssignment('BACKUP_DIR', s.directory),
    renderAssignment('STATE_DIR', stateDir(s)),
    renderAssignment('INCOMING', `${s.directory}/.incoming`),
    renderAssignment('DOCKER_HOST_URL', `unix://${s.dockerSocket}`),
    renderAssignment('PG_SERVICE', s.postgres.service),
    renderAssignment('PG_PROJECT', s.postgres.project ?? ''),
    renderAssignment('PG_USER', s.postgres.user),
    renderArrayAssignment('DATABASES', s.postgres.databases),
    renderAssignment('ENC_MODE', enc.mode),
    // Only the variables the chosen mode's commands use (shellcheck flags the others).
    ...(enc.mode === 'passphrase-file' ? [renderAssignment('PASSPHRASE_FILE', enc.passphraseFile)] : []),
    ...(enc.mode === 'public-key' && enc.recipientFile !== undefined ? [renderAssignment('RECIPIENT_FILE', enc.recipientFile)] : []),
    ...(enc.mode === 'public-key' && enc.recipient !== undefined ? [renderAssignment('RECIPIENT', enc.recipient)] : []),
    ...(r && parts
      ? [
          renderAssignment('RSYNC_USERHOST', parts.userHost),
          renderAssignment('RSYNC_PATH', parts.path),
          // rsync's destination directory; an empty path means the storage box user's home.
          renderAssignment('RSYNC_DEST_DIR', `${parts.userHost}:${parts.path ? `${parts.path}/` : ''}`),
          renderAssignment('RSYNC_KEY', r.identityFile),
          // rsync parses -e itself; every word here is from a validated, quote-free set.
          renderAssignment('RSYNC_SSH', shellCommand(sshArgv)),
          renderArrayAssignment('RSYNC_SSH_ARGV', sshArgv),
        ]
      : []),
    renderAssignment('KEEP_DAILY', s.retention.daily),
    renderAssignment('KEEP_WEEKLY', s.retention.weekly),
    renderAssignment('KEEP_MONTHLY', s.retention.monthly),
    renderAssignment('MIN_BYTES', MIN_ENCRYPTED_BYTES),
  ];
  return lines.join('\n');
}

const RUN_STATE = bash`
MODE=run
LIVE=0
PROGRESS=0
DRY_RUN=0
NO_PRUNE=0
TRIGGER=opsdeck
STAMP=
VERIFY_ID=
RUN_TOKEN=$$
RUN_STARTED_AT=
STEP=
FAILED_STEP=
FAILED_MESSAGE=
TICKER_PID=
PG_FOUND=
PG_CONTAINER=
PG_IMAGE=
LIVE_FACTS=
SERVER_VERSION=
DB=
ID=
WORK=
DUMP_FILE=
STARTED_AT=
START_MS=0
ENC_BYTES=0
SHA256=
TOC_ENTRIES=0
TOC_TABLES=0
LIVE_TABLES=0
WARNINGS=()
COMMITTED=()`;

export function renderStep(step: StepDef): string {
  return [`# ${step.title}`, `step_${step.id}() {`, ...step.body.map((st) => `  ${renderStatement(st)}`), '}'].join('\n');
}

/** Direct calls (not a loop over names), so shellcheck sees every step function used. */
function runSteps(steps: readonly StepDef[], subject: string, indent: string): string[] {
  return steps.flatMap((st) => [
    `${indent}STEP=${st.id}`,
    `${indent}emit step "$STEP" ${subject}`,
    st.onFailure === 'degrade' ? `${indent}step_${st.id} || { rc=1; step_degraded; }` : `${indent}step_${st.id} || return 2`,
  ]);
}

function runners(p: BackupPipeline): string {
  const backup = [
    'run_backup() {',
    '  local rc=0',
    ...runSteps(p.setup, "''", '  '),
    '  for DB in "${DATABASES[@]}"; do',
    '    ID="$DB-$STAMP"',
    '    WORK="$INCOMING/$ID.$RUN_TOKEN"',
    '    DUMP_FILE="$WORK/dump.partial"',
    '    WARNINGS=()',
    '    STARTED_AT=$(iso_now)',
    '    START_MS=$(now_ms)',
    ...runSteps(p.perDatabase, '"$DB"', '    '),
    '    COMMITTED+=("$ID")',
    '  done',
    ...(p.perBackup.length
      ? [
          '  for ID in "${COMMITTED[@]}"; do',
          ...runSteps(p.perBackup, '"$ID"', '    '),
          '  done',
          '  if [ "$rc" -ne 0 ]; then',
          '    # Keep every local backup while the off-site copy is failing.',
          "    emit warn offsite 'pruning skipped because the off-site copy failed'",
          '    return "$rc"',
          '  fi',
        ]
      : []),
    '  # A safety backup before a restore must not prune the backup about to be restored.',
    '  [ "$NO_PRUNE" = 1 ] && return "$rc"',
    ...runSteps(p.finish, "''", '  '),
    '  return "$rc"',
    '}',
  ];
  const setupIds = new Set(p.setup.map((s) => s.id));
  const verify = [
    'run_verify() {',
    '  local rc=0',
    '  ID=$VERIFY_ID',
    '  if ! [[ $ID =~ ^[A-Za-z_][A-Za-z0-9_]*-[0-9]{8}T[0-9]{6}Z$ ]]; then',
    "    STEP=reverify",
    "    step_failed 'not a backup id'",
    '    return 2',
    '  fi',
    '  DB=${ID%-*}',
    '  WORK="$INCOMING/$ID.$RUN_TOKEN.verify"',
    '  DUMP_FILE="$BACKUP_DIR/$ID.dump.gpg"',
    ...runSteps(p.setup, "''", '  '),
    `  STEP=${p.reverify.id}`,
    '  emit step "$STEP" "$ID"',
    `  if step_${p.reverify.id}; then`,
    '    write_verify_status true',
    '  else',
    '    write_verify_status false',
    '    rc=1',
    '  fi',
    '  return "$rc"',
    '}',
  ];
  const prune = [
    'run_prune() {',
    '  local rc=0',
    ...runSteps(p.setup.filter((s) => s.id === 'prepare'), "''", '  '),
    ...runSteps(p.finish, "''", '  '),
    '  return "$rc"',
    '}',
  ];
  const fetch = p.fetch
    ? [
        'run_fetch() {',
        '  local rc=0',
        '  ID=$VERIFY_ID',
        '  if ! [[ $ID =~ ^[A-Za-z_][A-Za-z0-9_]*-[0-9]{8}T[0-9]{6}Z$ ]]; then',
        '    STEP=fetch',
        "    step_failed 'not a backup id'",
        '    return 2',
        '  fi',
        ...runSteps(p.setup.filter((s) => s.id === 'prepare'), "''", '  '),
        ...runSteps([p.fetch], '"$ID"', '  '),
        '  return "$rc"',
        '}',
      ]
    : ['run_fetch() {', '  STEP=fetch', "  step_failed 'no off-site copy is configured'", '  return 2', '}'];
  if (!setupIds.has('prepare')) throw new Error('the pipeline must start with prepare');
  return [...backup, '', ...verify, '', ...prune, '', ...fetch].join('\n');
}

const SUPERVISOR = bash`
step_degraded() {
  if [ "$STEP" = offsite ]; then
    offsite_failed
  fi
  return 0
}

# Partial files of this run: its work directories, and a dump whose manifest never arrived
# (stopped between the two renames of the commit). Only with the lock held.
discard_partial_work() {
  local db
  rm -rf -- "$INCOMING"/*."$RUN_TOKEN" "$INCOMING"/*."$RUN_TOKEN".verify 2>/dev/null
  [ "$MODE" = run ] || return 0
  for db in "\${DATABASES[@]}"; do
    if [ -f "$BACKUP_DIR/$db-$STAMP.dump.gpg" ] && [ ! -f "$BACKUP_DIR/$db-$STAMP.manifest.json" ]; then
      rm -f -- "$BACKUP_DIR/$db-$STAMP.dump.gpg"
    fi
  done
  return 0
}

main() {
  local rc
  emit start "$MODE" "$TRIGGER" "$OPSDECK_VERSION"
  case $MODE in
    run)
      run_backup
      rc=$?
      ;;
    verify)
      run_verify
      rc=$?
      ;;
    prune)
      run_prune
      rc=$?
      ;;
    fetch)
      run_fetch
      rc=$?
      ;;
  esac
  # A failed prepare may mean another run holds the lock: its files and status are not ours.
  if [ "$FAILED_STEP" != prepare ]; then
    [ -d "$INCOMING" ] && discard_partial_work
    [ "$MODE" = run ] && write_run_status "$rc"
  fi
  emit finished "$rc"
  return "$rc"
}

# shellcheck disable=SC2317 # called by the trap below
on_signal() {
  trap '' TERM INT HUP
  if [ -n "$MAIN_PID" ]; then
    kill -TERM -- "-$MAIN_PID" 2>/dev/null
    wait "$MAIN_PID" 2>/dev/null
  fi
  [ "$MODE" = run ] && stop_our_backends
  # The run's work is ours to remove only if no other run holds the lock now.
  if [ -d "$STATE_DIR" ] && exec 9>>"$STATE_DIR/lock" && { ! command -v flock >/dev/null 2>&1 || flock -n 9; }; then
    discard_partial_work
  fi
  FAILED_STEP=
  FAILED_MESSAGE='stopped before it finished'
  [ "$MODE" = run ] && write_run_status 143
  emit stopped
  stop_watch
  exit 143
}

stop_watch() {
  if [ -n "$WATCH_PID" ]; then
    kill "$WATCH_PID" 2>/dev/null
  fi
  return 0
}

while [ $# -gt 0 ]; do
  case $1 in
    --live) LIVE=1 ;;
    --progress) PROGRESS=1 ;;
    --scheduled) TRIGGER=schedule ;;
    --stamp) STAMP=\${2:-}; shift ;;
    --verify) MODE=verify; VERIFY_ID=\${2:-}; shift ;;
    --prune-only) MODE=prune ;;
    --fetch) MODE=fetch; VERIFY_ID=\${2:-}; shift ;;
    --dry-run) DRY_RUN=1 ;;
    --no-prune) NO_PRUNE=1 ;;
    --safety) TRIGGER=safety ;;
    --only)
      # One database of the configured ones (a safety backup before restoring it).
      if [[ " \${DATABASES[*]} " == *" \${2:-} "* ]]; then DATABASES=("$2"); else
        printf 'opsdeck-backup: %s is not a configured database\n' "\${2:-}" >&2
        exit 2
      fi
      shift
      ;;
    *)
      printf 'opsdeck-backup: unknown option %s\n' "$1" >&2
      exit 2
      ;;
  esac
  shift
done

[ -n "$STAMP" ] || STAMP=$(date -u +%Y%m%dT%H%M%SZ)
if ! [[ $STAMP =~ ^[0-9]{8}T[0-9]{6}Z$ ]]; then
  printf 'opsdeck-backup: --stamp takes YYYYMMDDTHHMMSSZ\n' >&2
  exit 2
fi
RUN_STARTED_AT=$(iso_now)

if [ "$TRIGGER" = schedule ]; then
  mkdir -p -- "$STATE_DIR" || exit 2
  rotate_log
  exec >>"$STATE_DIR/backup.log" 2>&1
  printf '%s opsdeck-backup %s: scheduled run\n' "$RUN_STARTED_AT" "$OPSDECK_VERSION"
fi

# The work runs as a job in its own process group, so stopping it reaches every process of
# the pipeline (docker, gpg, the progress ticker), not only this shell.
MAIN_PID=
WATCH_PID=
trap on_signal TERM INT HUP
# A background job without job control gets /dev/null as stdin: keep the real one on fd 3.
exec 3<&0
set -m
main </dev/null 3<&- &
MAIN_PID=$!
set +m
if [ "$LIVE" = 1 ]; then
  watch_stdin "$$" <&3 >/dev/null 2>&1 &
  WATCH_PID=$!
fi
exec 3<&-
wait "$MAIN_PID"
RC=$?
stop_watch
exit "$RC"`;

export function generateScript(s: ResolvedBackupSettings, meta: ScriptMeta, pipeline: BackupPipeline = backupPipeline(s)): string {
  const steps = allSteps(pipeline);
  const header = [
    '#!/usr/bin/env bash',
    `# opsdeck backup script, generated by opsdeck ${oneLine(meta.version)} for ${oneLine(meta.label)} from its pipeline definition.`,
    "# Do not edit: 'opsdeck backup schedule' rewrites it. Usage:",
    '#   backup.sh [--scheduled]          back up every configured database, copy off-site, prune',
    '#   backup.sh --verify ID            verify a finished backup again',
    '#   backup.sh --prune-only [--dry-run]',
    '# Exit status: 0 ok; 1 backed up, but the off-site copy or pruning failed (or a verify failed); 2 failed; 143 stopped.',
    'set -u -o pipefail',
    'umask 077',
    'export LC_ALL=C',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'export PATH',
  ];
  const stepText = steps.map(renderStep).join('\n\n');
  const runnerText = runners(pipeline);
  const supervisor = SUPERVISOR.trim();
  return [
    ...header,
    '',
    '# --- settings (from the profile) ---',
    settingsBlock(s, meta),
    '',
    '# --- run state ---',
    RUN_STATE.trim(),
    '',
    '# --- helpers ---',
    helpersFor(`${stepText}\n${runnerText}\n${supervisor}`),
    '',
    '# --- steps (rendered from the pipeline definition) ---',
    stepText,
    '',
    '# --- runners ---',
    runnerText,
    '',
    '# --- supervisor ---',
    supervisor,
    '',
  ].join('\n');
}

/** Comments must stay comments: no line breaks from a label. */
function oneLine(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
