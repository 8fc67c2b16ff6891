/** Built-in runbook: restore the newest verified backup, tested in scratch before it goes live. */
export const restoreLatestBackup = `---
runbook: restore-latest-backup
title: Restore the newest verified backup
description: The newest verified backup, a test restore into a throwaway container with row counts against the live database, then the live restore, which takes its own safety backup first.
offer_on: []
setup: [latest]
---

# Restore the newest verified backup

For a corrupted or wrongly changed database. The profile's backup settings say where the backups
are and which database they hold (\`opsdeck backup\`). Nothing is restored over the live database
before a test restore of the same backup has passed.

## The newest verified backup

\`\`\`opsdeck step=latest kind=check
backup list
\`\`\`

\`\`\`sh step=found kind=check timeout=10s
[ -n "$LATEST_BACKUP" ] || { echo "no verified backup: nothing to restore" >&2; exit 1; }
echo "newest verified: $LATEST_BACKUP of $LATEST_DATABASE"
\`\`\`

## Test it in a throwaway container

A scratch restore changes nothing the application uses; it proves the backup decrypts, restores
and holds the rows the live database has.

\`\`\`opsdeck step=scratch kind=act confirm=no timeout=30m
restore \${LATEST_BACKUP} --scratch
\`\`\`

## Restore it over the live database

A safety backup of the live database is taken first; the services that use it are stopped and
started again, and their health is checked.

\`\`\`opsdeck step=live kind=act timeout=60m
restore \${LATEST_BACKUP} --live --confirm \${LATEST_DATABASE}
\`\`\`
`;
