/**
 * What is in the backup directory on the server: every backup with its size, verified state,
 * off-site state and last test restore, plus when the schedule last ran. One exec reads it all
 * (file sizes and the small JSON files); parsing and judging (RPO) are pure functions below.
 */
import { bash } from './bash-text.js';
import { DUMP_SUFFIX, MANIFEST_SUFFIX, parseBackupId } from './backup-id.js';
import {
  ManifestSchema,
  OffsiteRecordSchema,
  RestoreTestRecordSchema,
  RunStatusSchema,
  VerifyRecordSchema,
  parseJsonFile,
  type Manifest,
  type OffsiteRecord,
  type RestoreTestRecord,
  type RunStatus,
  type VerifyRecord,
} from './manifest.js';
import { renderAssignment } from './shell-model.js';
import type { ResolvedBackupSettings } from './settings.js';
import { cronMarker } from './schedule-lines.js';
import { sanitise } from '../text/sanitise.js';
import type { ServerConnection } from '../transport/connection.js';
import { BackupError } from './backup-error.js';

export interface BackupEntry {
  id: string;
  database: string;
  /** Epoch ms from the id. */
  time: number;
  /** Size of ID.dump.gpg on the server; undefined when the dump is missing. */
  bytes: number | undefined;
  manifest: Manifest | undefined;
  /** Verified when made, and not failed a later `verify` since. */
  verified: boolean;
  lastVerify: VerifyRecord | undefined;
  offsite: OffsiteRecord | undefined;
  restoreTest: RestoreTestRecord | undefined;
}

export interface ScheduleInfo {
  /** The crontab line opsdeck installed (sanitised), if any. */
  cronLine: string | undefined;
  /** The five cron fields. */
  cron: string | undefined;
}

export interface BackupListing {
  directory: string;
  directoryExists: boolean;
  /** Newest first. */
  backups: BackupEntry[];
  lastRun: RunStatus | undefined;
  lastSchedule: RunStatus | undefined;
  lastRestoreTest: RestoreTestRecord | undefined;
  schedule: ScheduleInfo;
}

const LIST_SCRIPT = bash`
if ! cd -- "$DIR" 2>/dev/null; then
  if [ -e "$DIR" ]; then
    printf 'E\tcannot enter %s (permissions?)\n' "$DIR"
  else
    printf 'M\n'
  fi
else
  for f in * .opsdeck/last-run.json .opsdeck/last-schedule.json .opsdeck/last-restore-test.json; do
    [ -f "$f" ] || continue
    printf 'F\t%s\t%s\n' "$f" "$(stat -c %s -- "$f")"
    case $f in
      *.json)
        printf 'J\t%s\t' "$f"
        head -c 262144 -- "$f" | tr -d '\n\r'
        printf '\n'
        ;;
    esac
  done
fi
if command -v crontab >/dev/null 2>&1; then
  crontab -l 2>/dev/null | grep -F -e "$MARK" | sed 's/^/C\t/'
fi
exit 0`;

export function listScript(s: Pick<ResolvedBackupSettings, 'directory'>): string {
  return [renderAssignment('DIR', s.directory), renderAssignment('MARK', cronMarker(s)), LIST_SCRIPT].join('\n');
}

export async function readListing(conn: Pick<ServerConnection, 'exec'>, s: Pick<ResolvedBackupSettings, 'directory'>): Promise<BackupListing> {
  const r = await conn.exec(['bash', '-c', listScript(s)], { timeoutMs: 60_000, maxBuffer: 32 * 1024 * 1024 });
  if (r.code !== 0) throw new BackupError(`cannot list ${s.directory} on the server: ${sanitise(r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`)}`);
  return parseListing(r.stdout, s.directory);
}

/** Pure: the reader's output → the listing. */
export function parseListing(output: string, directory: string): BackupListing {
  const sizes = new Map<string, number>();
  const json = new Map<string, string>();
  let exists = true;
  let cronLine: string | undefined;
  for (const line of output.split('\n')) {
    const [tag, a = '', b = ''] = line.split('\t');
    if (tag === 'M') exists = false;
    else if (tag === 'E') throw new BackupError(sanitise(line.slice(2)));
    else if (tag === 'F' && /^\d+$/.test(b)) sizes.set(a, Number(b));
    else if (tag === 'J') json.set(a, line.slice(tag.length + a.length + 2));
    else if (tag === 'C') cronLine = sanitise(line.slice(2));
  }
  const ids = new Set<string>();
  for (const name of sizes.keys()) {
    const m = /^(.+?)\.(dump\.gpg|manifest\.json)$/.exec(name);
    if (m && parseBackupId(m[1]!)) ids.add(m[1]!);
  }
  const backups: BackupEntry[] = [];
  for (const id of ids) {
    const p = parseBackupId(id)!;
    const manifestText = json.get(id + MANIFEST_SUFFIX);
    const manifest = manifestText !== undefined ? parseJsonFile(ManifestSchema, manifestText) : undefined;
    const lastVerify = jsonOf(json, `${id}.verify.json`, VerifyRecordSchema);
    const bytes = sizes.get(id + DUMP_SUFFIX);
    backups.push({
      id,
      database: p.database,
      time: p.time,
      bytes,
      manifest: manifest && manifest.id === id ? manifest : undefined,
      verified: bytes !== undefined && manifest?.verified === true && manifest.id === id && lastVerify?.ok !== false,
      lastVerify,
      offsite: jsonOf(json, `${id}.offsite.json`, OffsiteRecordSchema),
      restoreTest: jsonOf(json, `${id}.restore-test.json`, RestoreTestRecordSchema),
    });
  }
  backups.sort((x, y) => y.time - x.time || (x.id < y.id ? 1 : -1));
  const cron = cronLine ? /^\s*((?:\S+\s+){4}\S+)\s/.exec(cronLine)?.[1] : undefined;
  return {
    directory,
    directoryExists: exists,
    backups,
    lastRun: jsonOf(json, '.opsdeck/last-run.json', RunStatusSchema),
    lastSchedule: jsonOf(json, '.opsdeck/last-schedule.json', RunStatusSchema),
    lastRestoreTest: jsonOf(json, '.opsdeck/last-restore-test.json', RestoreTestRecordSchema),
    schedule: { cronLine, cron },
  };
}

function jsonOf<T>(json: Map<string, string>, name: string, schema: Parameters<typeof parseJsonFile<T>>[0]): T | undefined {
  const raw = json.get(name);
  return raw === undefined ? undefined : parseJsonFile(schema, raw);
}

export interface RpoState {
  newestVerified: BackupEntry | undefined;
  ageMs: number | undefined;
  breached: boolean;
  targetHours: number;
}

/** The recovery point: breached when the newest verified backup is older than the target, or there is none. */
export function rpoState(backups: readonly BackupEntry[], targetHours: number, now: number, databases?: readonly string[]): RpoState {
  const relevant = databases ? backups.filter((b) => databases.includes(b.database)) : backups;
  // With several databases, the recovery point is that of the worst one.
  const dbs = databases ?? [...new Set(relevant.map((b) => b.database))];
  let worst: BackupEntry | undefined;
  let missing = dbs.length === 0;
  for (const db of dbs) {
    const newest = relevant.filter((b) => b.database === db && b.verified).sort((a, b) => b.time - a.time)[0];
    if (!newest) missing = true;
    else if (!worst || newest.time < worst.time) worst = newest;
  }
  const ageMs = worst ? now - worst.time : undefined;
  return { newestVerified: worst, ageMs, breached: missing || ageMs === undefined || ageMs > targetHours * 3_600_000, targetHours };
}
