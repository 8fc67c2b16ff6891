/**
 * The constant bash functions the generated script carries: control flow that an argv list
 * cannot express (locking, counting, comparing, writing JSON, the retention walk). They are
 * code written here once, not templates: they contain no data and see settings and run-time
 * values only through the script's variables. Every line passes shellcheck (test/unit).
 */
import { bash } from './bash-text.js';
import { GFS_AWK } from './retention-awk.js';
import { renderAssignment } from './shell-model.js';

const FUNCTIONS = bash`
now_ms() { date +%s%3N; }
iso_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# One machine-readable line per event on stdout: "@opsdeck<TAB>time<TAB>kind<TAB>fields...".
emit() {
  local IFS=$'\t'
  printf '@opsdeck\t%s\t%s\n' "$(iso_now)" "$*"
}

step_failed() {
  FAILED_STEP=$STEP
  FAILED_MESSAGE=$1
  stop_ticker
  emit fail "$STEP" "$1"
  printf 'opsdeck-backup: step %s failed: %s\n' "$STEP" "$1" >&2
}

warn() {
  WARNINGS+=("$1")
  emit warn "$STEP" "$1"
}

# A JSON string of a value this script produced; control characters are dropped.
json_str() {
  local s=$1
  s=\${s//\\/\\\\}
  s=\${s//\"/\\\"}
  printf '"%s"' "$(printf '%s' "$s" | tr -d '\000-\037')"
}

take_lock() {
  exec 9>>"$STATE_DIR/lock" || return 1
  if command -v flock >/dev/null 2>&1; then
    flock -n 9 || return 1
  fi
}

# We hold the lock: whatever is left in the incoming directory belongs to a run that died.
clean_incoming() {
  find "$INCOMING" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
}

require_tools() {
  local t missing=()
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if [ "\${#missing[@]}" -gt 0 ]; then
    printf 'not installed on the server: %s\n' "\${missing[*]}" >&2
    return 1
  fi
}

# A secret file must not be readable by group or others.
check_private_file() {
  local mode
  mode=$(stat -c %a -- "$1") || return 1
  [ $((8#$mode & 8#077)) -eq 0 ]
}

find_pg_container() {
  local names
  local base=(docker -H "$DOCKER_HOST_URL" ps --filter "label=com.docker.compose.service=$PG_SERVICE" --filter label=com.docker.compose.oneoff=False)
  if [ -n "$PG_PROJECT" ]; then
    base+=(--filter "label=com.docker.compose.project=$PG_PROJECT")
  fi
  names=$("\${base[@]}" --format '{{.Names}} {{.Image}}') || return 1
  if [ -z "$names" ] && [ -z "$PG_PROJECT" ]; then
    # Not a compose service: a container of that name.
    names=$(docker -H "$DOCKER_HOST_URL" ps --filter "name=^/?$PG_SERVICE\$" --format '{{.Names}} {{.Image}}') || return 1
  fi
  case $names in
    '') printf 'no running container for %s\n' "$PG_SERVICE" >&2; return 1 ;;
    *$'\n'*) printf 'more than one container runs %s: %s\n' "$PG_SERVICE" "$(printf '%s' "$names" | tr '\n' ' ')" >&2; return 1 ;;
  esac
  printf '%s\n' "$names"
}

start_ticker() {
  [ "$PROGRESS" = 1 ] || return 0
  (
    while :; do
      emit bytes "$(stat -c %s -- "$1" 2>/dev/null || echo 0)"
      sleep 0.5
    done
  ) &
  TICKER_PID=$!
}

stop_ticker() {
  if [ -n "$TICKER_PID" ]; then
    kill "$TICKER_PID" 2>/dev/null
    wait "$TICKER_PID" 2>/dev/null
    TICKER_PID=
  fi
  return 0
}

# Counts the bytes that pass through into "$1" (the plain dump's size, for the manifest).
count_into() {
  tee >(wc -c >"$1")
}

# pg_restore --list stops reading after the table of contents: read the rest, so gpg checks
# the whole file's integrity instead of dying of SIGPIPE.
drain_after() {
  local rc=0
  "$@" || rc=$?
  cat >/dev/null
  return "$rc"
}

# Public-key mode: pg_restore --list reads the plaintext on its way to gpg (the server cannot
# decrypt afterwards); its exit status lands in "$1.rc".
tee_toc() {
  local out=$1
  shift
  # (A run that failed may have removed the work directory already: no noise about that.)
  tee >(drain_after "$@" >"$out" 2>"$out.err"; echo "$?" 2>/dev/null >"$out.rc")
}

wait_for_file() {
  local i
  for ((i = 0; i < 600; i++)); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

toc_from_dump_ok() {
  wait_for_file "$1.rc" || return 1
  [ "$(cat -- "$1.rc")" = 0 ] || { cat -- "$1.err" >&2; return 1; }
}

check_min_size() {
  if [ "$ENC_BYTES" -lt "$MIN_BYTES" ]; then
    printf 'the encrypted dump has %s bytes\n' "$ENC_BYTES" >&2
    return 1
  fi
}

count_toc_entries() {
  [ -s "$1" ] || return 1
  grep -c -E '^[0-9]+;' -- "$1" || true
}

count_toc_tables() {
  [ -s "$1" ] || return 1
  grep -c -E '^[0-9]+; [0-9]+ [0-9]+ TABLE DATA ' -- "$1" || true
}

table_sanity() {
  if [ "$TOC_TABLES" -eq 0 ] && [ "$LIVE_TABLES" -gt 0 ]; then
    printf 'the dump lists no table data; the database has %s tables\n' "$LIVE_TABLES" >&2
    return 1
  fi
  if [ "$TOC_TABLES" -ne "$LIVE_TABLES" ]; then
    warn "the dump has data for $TOC_TABLES tables, the database has $LIVE_TABLES now"
  fi
  return 0
}

# "key": value from a manifest this script wrote (one key per line, fixed layout).
manifest_value() {
  sed -n "s/^  \"$2\": \"\\{0,1\\}\\([^\",]*\\)\"\\{0,1\\},\\{0,1\\}\$/\\1/p" -- "$BACKUP_DIR/$1.manifest.json" 2>/dev/null
}

previous_size() {
  local f last=
  for f in "$BACKUP_DIR/$1"-*.manifest.json; do
    [ -e "$f" ] && last=$f
  done
  [ -n "$last" ] || return 0
  last=\${last##*/}
  manifest_value "\${last%.manifest.json}" encryptedBytes
}

size_sanity() {
  local prev
  prev=$(previous_size "$DB")
  if [ -n "$prev" ] && [ "$prev" -gt 0 ] && [ $((ENC_BYTES * 2)) -lt "$prev" ]; then
    warn "the backup is less than half the size of the previous one ($ENC_BYTES bytes, was $prev)"
  fi
  return 0
}

plain_bytes() {
  if wait_for_file "$WORK/plain.bytes"; then
    tr -dc '0-9' <"$WORK/plain.bytes"
  else
    echo 0
  fi
}

write_manifest() {
  local w sep=''
  printf '{\n'
  printf '  "format": "opsdeck-backup/1",\n'
  printf '  "id": %s,\n' "$(json_str "$ID")"
  printf '  "database": %s,\n' "$(json_str "$DB")"
  printf '  "container": %s,\n' "$(json_str "$PG_CONTAINER")"
  printf '  "image": %s,\n' "$(json_str "$PG_IMAGE")"
  printf '  "serverVersion": %s,\n' "$(json_str "$SERVER_VERSION")"
  printf '  "encryption": %s,\n' "$(json_str "$ENC_MODE")"
  printf '  "trigger": %s,\n' "$(json_str "$TRIGGER")"
  printf '  "startedAt": %s,\n' "$(json_str "$STARTED_AT")"
  printf '  "durationMs": %s,\n' "$(($(now_ms) - START_MS))"
  printf '  "plainBytes": %s,\n' "$(plain_bytes)"
  printf '  "encryptedBytes": %s,\n' "$ENC_BYTES"
  printf '  "sha256": %s,\n' "$(json_str "$SHA256")"
  printf '  "tocEntries": %s,\n' "$TOC_ENTRIES"
  printf '  "tables": %s,\n' "$TOC_TABLES"
  printf '  "liveTables": %s,\n' "$LIVE_TABLES"
  printf '  "verified": true,\n'
  printf '  "opsdeckVersion": %s,\n' "$(json_str "$OPSDECK_VERSION")"
  printf '  "warnings": ['
  for w in "\${WARNINGS[@]}"; do
    printf '%s%s' "$sep" "$(json_str "$w")"
    sep=', '
  done
  printf ']\n}\n'
}

compare_with_manifest() {
  local want_sha want_size
  if [ ! -f "$BACKUP_DIR/$ID.manifest.json" ]; then
    printf 'no manifest for %s\n' "$ID" >&2
    return 1
  fi
  want_sha=$(manifest_value "$ID" sha256)
  want_size=$(manifest_value "$ID" encryptedBytes)
  if [ "$want_sha" != "$SHA256" ] || [ "$want_size" != "$ENC_BYTES" ]; then
    printf 'manifest: %s bytes sha256 %s; file now: %s bytes sha256 %s\n' "$want_size" "$want_sha" "$ENC_BYTES" "$SHA256" >&2
    return 1
  fi
}

offsite_compare() {
  local remote want_sha want_size far how
  remote=\${RSYNC_PATH:+$RSYNC_PATH/}$ID.dump.gpg
  want_sha=$(manifest_value "$ID" sha256)
  want_size=$(manifest_value "$ID" encryptedBytes)
  # Storage boxes offer sha256sum over ssh; where the far side runs no commands, compare sizes.
  if far=$("\${RSYNC_SSH_ARGV[@]}" "$RSYNC_USERHOST" sha256sum "$remote" </dev/null 2>/dev/null | cut -d ' ' -f 1) && [ -n "$far" ]; then
    how=sha256
    if [ "$far" != "$want_sha" ]; then
      printf 'sha256 on the storage box %s, here %s\n' "$far" "$want_sha" >&2
      return 1
    fi
  else
    how=size
    far=$(rsync --list-only --rsh "$RSYNC_SSH" -- "$RSYNC_DEST_DIR$ID.dump.gpg" </dev/null | awk '{ gsub(",", "", $2); print $2; exit }') || return 1
    if [ "$far" != "$want_size" ]; then
      printf 'size on the storage box %s, here %s\n' "$far" "$want_size" >&2
      return 1
    fi
  fi
  {
    printf '{\n'
    printf '  "copiedAt": %s,\n' "$(json_str "$(iso_now)")"
    printf '  "destination": %s,\n' "$(json_str "$RSYNC_DEST_DIR")"
    printf '  "compared": %s,\n' "$(json_str "$how")"
    printf '  "ok": true\n'
    printf '}\n'
  } >"$BACKUP_DIR/$ID.offsite.json.tmp" && mv -T -- "$BACKUP_DIR/$ID.offsite.json.tmp" "$BACKUP_DIR/$ID.offsite.json"
  emit offsite "$ID" "$how"
}

offsite_failed() {
  {
    printf '{\n'
    printf '  "copiedAt": %s,\n' "$(json_str "$(iso_now)")"
    printf '  "destination": %s,\n' "$(json_str "$RSYNC_DEST_DIR")"
    printf '  "compared": "none",\n'
    printf '  "ok": false\n'
    printf '}\n'
  } >"$BACKUP_DIR/$ID.offsite.json" 2>/dev/null
  return 0
}

is_verified() {
  local m="$BACKUP_DIR/$1.manifest.json" r="$BACKUP_DIR/$1.verify.json"
  if [ -f "$BACKUP_DIR/$1.dump.gpg" ] && [ -f "$m" ] && grep -qx '  "verified": true,' -- "$m" &&
    { [ ! -f "$r" ] || grep -qx '  "ok": true,' -- "$r"; }; then
    echo 1
  else
    echo 0
  fi
}

# "ID<TAB>verified" for every backup of database "$1", complete or not.
list_backups() {
  local f id seen=' '
  for f in "$BACKUP_DIR/$1"-*.dump.gpg "$BACKUP_DIR/$1"-*.manifest.json; do
    [ -e "$f" ] || continue
    id=\${f##*/}
    id=\${id%.dump.gpg}
    id=\${id%.manifest.json}
    [[ $id =~ ^[A-Za-z_][A-Za-z0-9_]*-[0-9]{8}T[0-9]{6}Z$ ]] || continue
    case $seen in *" $id "*) continue ;; esac
    seen="$seen$id "
    printf '%s\t%s\n' "$id" "$(is_verified "$id")"
  done
}

prune_db() {
  list_backups "$1" | sort -r | awk -F '\t' -v KD="$KEEP_DAILY" -v KW="$KEEP_WEEKLY" -v KM="$KEEP_MONTHLY" "$GFS_AWK" |
    while IFS=$'\t' read -r verdict id why; do
      if [ "$verdict" = keep ]; then
        emit keep "$id" "$why"
      elif [ "$DRY_RUN" = 1 ]; then
        emit would-prune "$id"
      else
        rm -f -- "$BACKUP_DIR/$id.dump.gpg" "$BACKUP_DIR/$id".*.json || return 1
        emit pruned "$id"
      fi
    done
}

prune_all() {
  local db
  for db in "\${DATABASES[@]}"; do
    prune_db "$db" || return 1
  done
}

write_file_atomically() {
  cat >"$1.tmp" && mv -T -- "$1.tmp" "$1"
}

# last-run.json (and last-schedule.json for cron runs): what 'opsdeck backup list' shows.
write_run_status() {
  local code=$1 id sep='' ids=''
  [ -d "$STATE_DIR" ] || return 0
  for id in "\${COMMITTED[@]}"; do
    ids="$ids$sep$(json_str "$id")"
    sep=', '
  done
  {
    printf '{\n'
    printf '  "trigger": %s,\n' "$(json_str "$TRIGGER")"
    printf '  "startedAt": %s,\n' "$(json_str "$RUN_STARTED_AT")"
    printf '  "finishedAt": %s,\n' "$(json_str "$(iso_now)")"
    printf '  "exitCode": %s,\n' "$code"
    printf '  "failedStep": %s,\n' "$(json_str "$FAILED_STEP")"
    printf '  "message": %s,\n' "$(json_str "$FAILED_MESSAGE")"
    printf '  "backups": [%s]\n' "$ids"
    printf '}\n'
  } >"$STATE_DIR/last-run.json.tmp" || return 0
  if [ "$TRIGGER" = schedule ]; then
    cp -- "$STATE_DIR/last-run.json.tmp" "$STATE_DIR/last-schedule.json.tmp" && mv -T -- "$STATE_DIR/last-schedule.json.tmp" "$STATE_DIR/last-schedule.json"
  fi
  mv -T -- "$STATE_DIR/last-run.json.tmp" "$STATE_DIR/last-run.json"
}

write_verify_status() {
  local ok=$1
  [ -f "$BACKUP_DIR/$ID.manifest.json" ] || return 0
  {
    printf '{\n'
    printf '  "checkedAt": %s,\n' "$(json_str "$(iso_now)")"
    printf '  "ok": %s,\n' "$ok"
    printf '  "failedStep": %s,\n' "$(json_str "$FAILED_STEP")"
    printf '  "message": %s\n' "$(json_str "$FAILED_MESSAGE")"
    printf '}\n'
  } | write_file_atomically "$BACKUP_DIR/$ID.verify.json"
}

rotate_log() {
  local log="$STATE_DIR/backup.log"
  if [ -f "$log" ] && [ "$(stat -c %s -- "$log")" -gt 1048576 ]; then
    mv -f -- "$log" "$log.1"
  fi
}

split_pg_found() {
  PG_CONTAINER=\${PG_FOUND%% *}
  PG_IMAGE=\${PG_FOUND#* }
  [ -n "$PG_CONTAINER" ]
}

split_live_facts() {
  LIVE_TABLES=\${LIVE_FACTS%% *}
  SERVER_VERSION=\${LIVE_FACTS#* }
  [[ $LIVE_TABLES =~ ^[0-9]+$ ]]
}

# Killing the docker client does not end pg_dump inside the container; ending its session does
# (and releases its locks at once).
# shellcheck disable=SC2317 # called from the signal trap only
stop_our_backends() {
  local c
  c=$(find_pg_container 2>/dev/null) || return 0
  c=\${c%% *}
  printf '%s\n' "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :'app';" |
    docker -H "$DOCKER_HOST_URL" exec -i "$c" psql -X -q -A -t -U "$PG_USER" -d "\${DATABASES[0]}" -v app="opsdeck-backup-$RUN_TOKEN" >/dev/null 2>&1
  return 0
}

# Live runs: the SSH channel is the lifeline. When opsdeck goes away (killed, connection lost),
# stdin ends, and the run stops and removes its partial files.
watch_stdin() {
  cat >/dev/null 2>&1
  kill -TERM "$1" 2>/dev/null
}

`;

/** Every helper function by name, split from the text above (each starts at column 0). */
export const HELPER_FUNCTIONS: ReadonlyMap<string, string> = new Map(
  // Functions are separated by blank lines and have none inside.
  FUNCTIONS.split(/\n\s*\n/)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk !== '')
    .map((chunk) => {
      const name = /^(?:# [^\n]*\n)*([a-z_]+)\(\) \{/.exec(chunk)?.[1];
      if (!name) throw new Error(`script-helpers: not a function: ${chunk.slice(0, 60)}`);
      return [name, chunk] as const;
    }),
);

/**
 * The helpers that `code` calls, directly or through other helpers, in their original order:
 * a script carries only what its mode uses (and shellcheck finds nothing unreachable).
 */
export function helpersFor(code: string): string {
  const used = new Set<string>();
  const pending = [code];
  while (pending.length) {
    const text = pending.pop()!;
    for (const [name, body] of HELPER_FUNCTIONS) {
      if (used.has(name)) continue;
      if (new RegExp(`(^|[^A-Za-z0-9_-])${name}([^A-Za-z0-9_-]|$)`, 'm').test(text)) {
        used.add(name);
        pending.push(body);
      }
    }
  }
  const parts = [...HELPER_FUNCTIONS].filter(([name]) => used.has(name)).map(([, body]) => body);
  if (used.has('prune_db')) parts.push(`# shellcheck disable=SC2016 # an awk program, not shell\n${renderAssignment('GFS_AWK', GFS_AWK)}`);
  return parts.join('\n\n');
}
