/**
 * The server-side restore pipeline: `gpg --decrypt FILE | docker exec -i PG pg_restore …`, built
 * from the same command definitions as the backup (pipeline.ts) and run under the same kind of
 * supervisor: its own process group, stopped when stdin (opsdeck) goes away.
 */
import { bash } from './bash-text.js';
import { decryptCommand, restoreCommand } from './pipeline.js';
import type { ResolvedBackupSettings } from './settings.js';
import { renderAssignment, renderPipeline, v } from './shell-model.js';

const SUPERVISE = bash`
exec 3<&0
set -m
restore </dev/null 3<&- &
P=$!
set +m
# opsdeck going away ends stdin: stop the restore's whole process group.
( cat >/dev/null 2>&1; kill -TERM -- "-$P" 2>/dev/null ) <&3 >/dev/null 2>&1 &
W=$!
exec 3<&-
wait "$P"
rc=$?
kill "$W" 2>/dev/null
exit "$rc"`;

export interface RestoreTarget {
  /** The encrypted backup on the server. */
  file: string;
  /** Full id of the container to restore into (the live one, or a throwaway): never a name the server chose. */
  container: string;
  database: string;
  /** Drop existing objects first (restore over a live database). */
  clean: boolean;
}

export function restoreScript(s: ResolvedBackupSettings, t: RestoreTarget): string {
  if (s.encryption.mode !== 'passphrase-file') throw new Error('server-side restore needs the passphrase file');
  return [
    'set -u -o pipefail',
    renderAssignment('DOCKER_HOST_URL', `unix://${s.dockerSocket}`),
    renderAssignment('PASSPHRASE_FILE', s.encryption.passphraseFile),
    renderAssignment('PG_CONTAINER', t.container),
    renderAssignment('PG_USER', s.postgres.user),
    renderAssignment('DB', t.database),
    renderAssignment('FILE', t.file),
    'restore() {',
    `  ${renderPipeline([decryptCommand(v('FILE')), restoreCommand({ clean: t.clean })])}`,
    '}',
    SUPERVISE,
    '',
  ].join('\n');
}
