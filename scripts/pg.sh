#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for development and tests, under target/pg (never a server
# that must already exist). Runs the server as an unprivileged user: the caller, or the
# `postgres` user that Debian's package creates when the caller is root.
#
#   scripts/pg.sh start   start it (initdb on first use) and print its URL
#   scripts/pg.sh url     print the URL of the running cluster
#   scripts/pg.sh stop    stop it (the data stays under target/pg until `clean`)
#   scripts/pg.sh clean   stop it and delete its data
#
# Tuned for tests: no fsync (the data is throwaway), many connections.
set -euo pipefail
cd "$(dirname "$0")/.."

root=$PWD/target/pg
# The data directory: under target/pg, or — when the server's user cannot reach the
# checkout (run as root from a private directory) — a directory of its own under /tmp that
# target/pg/datadir names.
data=$root/data
[ -f "$root/datadir" ] && data=$(cat "$root/datadir")
log=$data.log
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL's server is not installed (Debian package postgresql; scripts/setup.sh --test installs it)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url() {
  echo "postgres://postgres@127.0.0.1:$(cat "$root/port")/postgres"
}

running() {
  [ -f "$root/port" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

case "${1:-}" in
  start)
    if running; then url; exit 0; fi
    mkdir -p "$root"
    if [ ! -f "$data/PG_VERSION" ]; then
      if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -w "$root" 2>/dev/null; then
        chown postgres: "$root" 2>/dev/null || true
        if ! runuser -u postgres -- test -w "$root" 2>/dev/null; then
          data=$(mktemp -d /tmp/customers-pg.XXXXXX)/data
          echo "$data" >"$root/datadir"
          log=$data.log
        fi
      fi
      rm -rf "$data"
      mkdir -p "$data"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$(dirname "$data")" "$data"
      as_owner "$bindir/initdb" -D "$data" --auth=trust --username=postgres \
        --encoding=UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 ||
        { cat "$root/initdb.log" >&2; exit 1; }
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" >"$root/port"
    if [ "$(id -u)" -eq 0 ]; then touch "$log"; chown postgres: "$log"; fi
    as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=256MB" start >/dev/null ||
      { cat "$log" >&2; exit 1; }
    url
    ;;
  url)
    running || { echo "the cluster is not running (scripts/pg.sh start)" >&2; exit 1; }
    url
    ;;
  stop)
    if running; then as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
    ;;
  clean)
    if running; then as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null; fi
    [ -f "$root/datadir" ] && rm -rf "$(dirname "$(cat "$root/datadir")")"
    rm -rf "$root"
    ;;
  *)
    sed -n '2,10p' "$0" >&2
    exit 2
    ;;
esac
