#!/bin/sh
# Entrypoint for the lab's PostgreSQL 15 image (a Debian rootfs from mmdebstrap, which has none).
# It keeps the official image's contract, so code written against the lab also works on real
# servers: POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required), POSTGRES_DB (default
# the user), PGDATA, POSTGRES_INITDB_ARGS, and /docker-entrypoint-initdb.d/*.sql, *.sql.gz, *.sh
# run once on first start. The server is exec'd, so postgres is PID 1 and gets docker's signals.
set -eu

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
SOCKETS=/var/run/postgresql

# `docker run IMAGE -c shared_buffers=256MB` means "postgres with these options".
case "${1:-}" in
  '' | -*) set -- postgres "$@" ;;
esac

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" "$SOCKETS"
  chown postgres:postgres "$PGDATA" "$SOCKETS"
  chmod 700 "$PGDATA"
  chmod 3777 "$SOCKETS"
  # setpriv execs in place (unlike su/runuser), so the server stays PID 1.
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

log() { echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC') [entrypoint] $*"; }

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    log 'Error: Database is uninitialized and superuser password is not specified.' >&2
    log '       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser.' >&2
    exit 1
  fi
  # The password goes to initdb through a private file, never through argv.
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options, as in the official image
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  rm -f "$pwfile"
  printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"

  # A temporary server on the unix socket only, so nobody connects over TCP before setup ends.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k $SOCKETS" -w start
  psql_setup() { psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" "$@"; }
  if [ "$POSTGRES_DB" != postgres ]; then
    echo 'CREATE DATABASE :"db";' | psql_setup --dbname postgres -v db="$POSTGRES_DB"
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) log "running $f"; . "$f" ;;
      *.sql) log "running $f"; psql_setup --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | psql_setup --dbname "$POSTGRES_DB" ;;
      *) [ -e "$f" ] && log "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  log 'PostgreSQL init process complete; ready for start up.'
fi

if [ "$1" = postgres ]; then
  shift
  exec postgres -D "$PGDATA" -c listen_addresses='*' -k "$SOCKETS" "$@"
fi
exec "$@"
