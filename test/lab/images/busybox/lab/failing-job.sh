#!/bin/sh
# A one-shot job that failed (a migration run by `docker compose up`): it prints what it was
# doing, an error on stderr, and exits with LAB_EXIT_CODE. Its restart policy is "no", so it
# stays in the "exited" state with that code.
name=${LAB_SERVICE:-job}
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) INFO $name: running 3 pending migrations"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) INFO $name: 20240611_add_order_status ... ok"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) ERROR $name: 20240702_backfill_invoices failed: relation \"invoices\" does not exist" >&2
exit "${LAB_EXIT_CODE:-2}"
