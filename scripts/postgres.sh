#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, listening on 127.0.0.1 only, on a free port.
#
#   eval "$(scripts/postgres.sh start)"   # exports ATOM_TEST_DATABASE_URL and ATOM_PG_DIR
#   scripts/postgres.sh stop              # stops the cluster of $ATOM_PG_DIR and deletes it
#   scripts/postgres.sh stop DIR          # same, for an explicit cluster directory
#
# `start` writes only the two `export` lines to stdout; everything else goes to stderr. Each start makes
# a fresh cluster under ${ATOM_CACHE_DIR:-$HOME/.cache/atom-cloud}/postgres/run.XXXXXX (outside the
# repository); leftovers of runs that died without `stop` are swept on the next start. When PostgreSQL's
# server binaries are missing and we are root, they are installed from Debian's packages. initdb refuses
# to run as root, so as root the cluster runs as the `postgres` system user.
set -euo pipefail

PROG="postgres.sh"
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
SUPERUSER="atom"

is_root() {
  [[ "$(id -u)" -eq 0 ]]
}

# The directory holding PostgreSQL's server programs (initdb, pg_ctl, postgres), newest version first.
find_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -rn); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

ensure_bindir() {
  local bindir
  if bindir="$(find_bindir)"; then
    echo "$bindir"
    return 0
  fi
  is_root || die "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH)" \
    "and we are not root to install them; run: sudo apt-get install -y postgresql"
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is missing and apt-get is not available"
  note "PostgreSQL server binaries not found; installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  apt-get install -y -qq postgresql >&2 || die "apt-get install postgresql failed"
  bindir="$(find_bindir)" || die "postgresql was installed but initdb/pg_ctl are still not found"
  echo "$bindir"
}

# Run a PostgreSQL program as the cluster owner: the `postgres` system user when we are root.
as_owner() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Can the cluster owner create and use directories at (or below) $1?
owner_can_use() {
  local dir="$1"
  if is_root; then
    runuser -u postgres -- test -d "$dir" -a -w "$dir" -a -x "$dir" 2>/dev/null
  else
    test -d "$dir" -a -w "$dir" -a -x "$dir"
  fi
}

# Where the clusters live. As root, $HOME (/root) is usually closed to the postgres user; then the
# default moves to /var/cache/atom-cloud. An explicit ATOM_CACHE_DIR is used as given or refused.
cluster_root() {
  local cache root
  cache="${ATOM_CACHE_DIR:-${HOME:-/tmp}/.cache/atom-cloud}"
  root="$cache/postgres"
  mkdir -p "$root"
  if is_root; then
    chown postgres: "$root"
    if ! owner_can_use "$root"; then
      if [[ -n "${ATOM_CACHE_DIR:-}" ]]; then
        die "the postgres user cannot use $root (ATOM_CACHE_DIR=$ATOM_CACHE_DIR); pick a directory it can reach"
      fi
      rmdir "$root" 2>/dev/null || true
      root="/var/cache/atom-cloud/postgres"
      note "the postgres user cannot reach $cache; using $root"
      mkdir -p "$root"
      chown postgres: "$root"
      owner_can_use "$root" || die "the postgres user cannot use $root"
    fi
  fi
  echo "$root"
}

# A cluster directory is in use while its `start` is still running or its postmaster is alive.
# Anything else (a killed run, a stale postmaster.pid after a reboot) is deleted.
sweep_stale() {
  local root="$1" dir starter postmaster
  for dir in "$root"/run.*; do
    [[ -d "$dir" ]] || continue
    starter="$(cat "$dir/starter.pid" 2>/dev/null || true)"
    postmaster="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
    if pid_alive "$starter"; then
      continue
    fi
    if pid_alive "$postmaster" && grep -qa postgres "/proc/$postmaster/cmdline" 2>/dev/null; then
      continue
    fi
    note "removing stale cluster $dir"
    rm -rf "$dir"
  done
}

cmd_start() {
  local bindir root dir port attempt url
  bindir="$(ensure_bindir)"
  root="$(cluster_root)"
  sweep_stale "$root"

  dir="$(mktemp -d "$root/run.XXXXXX")"
  echo "$$" >"$dir/starter.pid"
  mkdir -p "$dir/socket"
  if is_root; then
    chown -R postgres: "$dir"
  fi
  chmod 700 "$dir"

  if ! as_owner "$bindir/initdb" -D "$dir/data" -U "$SUPERUSER" --auth=trust --encoding=UTF8 --locale=C \
    --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed"
  fi

  # Loopback TCP and a socket inside the cluster directory only; durability is not wanted here.
  cat >>"$dir/data/postgresql.conf" <<CONF

# scripts/postgres.sh: a throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/socket'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF

  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start \
      >"$dir/pg_ctl.log" 2>&1; then
      url="postgresql+psycopg://$SUPERUSER@127.0.0.1:$port/postgres"
      rm -f "$dir/starter.pid"
      note "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
      printf "export ATOM_TEST_DATABASE_URL='%s'\n" "$url"
      printf "export ATOM_PG_DIR='%s'\n" "$dir"
      return 0
    fi
    note "start on port $port failed (attempt $attempt)"
  done
  cat "$dir/pg_ctl.log" >&2 || true
  tail -n 30 "$dir/server.log" >&2 || true
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  die "could not start PostgreSQL"
}

cmd_stop() {
  local dir="${1:-${ATOM_PG_DIR:-}}" bindir
  [[ -n "$dir" ]] || die "stop: no cluster directory (pass one or set ATOM_PG_DIR)"
  [[ "$(basename "$dir")" == run.* ]] || die "stop: $dir is not a cluster directory made by start"
  [[ -d "$dir" ]] || return 0
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    bindir="$(find_bindir)" || die "stop: PostgreSQL binaries not found"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
      note "stop: pg_ctl could not stop the cluster in $dir"
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop "${2:-}" ;;
  *)
    echo "usage: eval \"\$($0 start)\"  |  $0 stop [DIR]" >&2
    exit 2
    ;;
esac
