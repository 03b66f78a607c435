#!/usr/bin/env bash
# A throwaway MinIO server for the test suite, listening on 127.0.0.1 only, on free ports.
#
#   scripts/minio.sh build                # go install the pinned MinIO when not built yet; prints the binary
#   eval "$(scripts/minio.sh start)"      # exports ATOM_TEST_MINIO_ENDPOINT/_ACCESS_KEY/_SECRET_KEY, ATOM_MINIO_DIR
#   scripts/minio.sh stop                 # stops the server of $ATOM_MINIO_DIR and deletes its data
#   scripts/minio.sh stop DIR             # same, for an explicit run directory
#
# The binary is built from source (MinIO ships no binaries under its open-source licence any more) with
# `go install` into ${ATOM_CACHE_DIR:-$HOME/.cache/atom-cloud}/minio/<version>/minio, outside the
# repository; as root the default is /var/cache/atom-cloud. Go's module and build caches live next to it,
# so a rebuild (a new pin) reuses them. `start` builds first when needed, writes only the `export` line to
# stdout (everything else goes to stderr) and makes a fresh data directory per run under
# <cache>/minio/run.XXXXXX; leftovers of runs that died without `stop` are swept on the next start.
set -euo pipefail

PROG="minio.sh"
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# The pin. github.com/minio/minio's RELEASE.* tags are not semantic versions, so the Go module proxy
# only serves the repository as pseudo-versions; this one is the final commit of the archived
# repository (2026-02-12), which carries the fixes of the last tag, RELEASE.2025-10-15T17-29-55Z.
MINIO_MODULE="github.com/minio/minio"
MINIO_VERSION="${ATOM_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"

cache_root() {
  cache_dir minio
}

binary_path() {
  echo "$(cache_root)/$MINIO_VERSION/minio"
}

cmd_build() {
  local root binary go began lock
  root="$(cache_root)"
  binary="$root/$MINIO_VERSION/minio"
  if [[ -x "$binary" ]]; then
    echo "$binary"
    return 0
  fi
  go="$(find_go)" || die "MinIO is not built yet and Go is missing (looked in PATH and /usr/local/go/bin);" \
    "install Go >= 1.24 or put a minio binary at $binary"
  # One build at a time: two test runs starting together must not both write the binary.
  exec 9>"$root/build.lock"
  flock 9
  if [[ -x "$binary" ]]; then # built by the run we waited for
    exec 9>&-
    echo "$binary"
    return 0
  fi
  note "building $MINIO_MODULE@$MINIO_VERSION with $("$go" version | awk '{print $3}') (a few minutes the first time)"
  began=$SECONDS
  mkdir -p "$root/$MINIO_VERSION.partial"
  if ! GOBIN="$root/$MINIO_VERSION.partial" go_env "$root" "$go" install "$MINIO_MODULE@$MINIO_VERSION" >&2; then
    rm -rf "$root/$MINIO_VERSION.partial"
    exec 9>&-
    die "go install $MINIO_MODULE@$MINIO_VERSION failed"
  fi
  mkdir -p "$root/$MINIO_VERSION"
  mv "$root/$MINIO_VERSION.partial/minio" "$binary"
  rm -rf "$root/$MINIO_VERSION.partial"
  exec 9>&-
  note "built $binary in $((SECONDS - began))s"
  echo "$binary"
}

# A run directory is in use while its `start` is still running or its server is alive. Anything else
# (a killed run, a stale pid file after a reboot) is deleted.
sweep_stale() {
  local root="$1" dir starter server
  for dir in "$root"/run.*; do
    [[ -d "$dir" ]] || continue
    starter="$(cat "$dir/starter.pid" 2>/dev/null || true)"
    server="$(cat "$dir/minio.pid" 2>/dev/null || true)"
    if pid_alive "$starter"; then
      continue
    fi
    if pid_alive "$server" && grep -qa minio "/proc/$server/cmdline" 2>/dev/null; then
      continue
    fi
    note "removing stale run $dir"
    rm -rf "$dir"
  done
}

random_hex() {
  python3 -c "import secrets; print(secrets.token_hex($1))"
}

stop_server() {
  local dir="$1" pid waited
  pid="$(cat "$dir/minio.pid" 2>/dev/null || true)"
  pid_alive "$pid" || return 0
  grep -qa minio "/proc/$pid/cmdline" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for waited in $(seq 1 100); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  note "MinIO ($pid) did not stop within 10s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_start() {
  local binary root dir port console_port attempt access secret pid waited
  binary="$(cmd_build)"
  root="$(cache_root)"
  sweep_stale "$root"

  dir="$(mktemp -d "$root/run.XXXXXX")"
  echo "$$" >"$dir/starter.pid"
  chmod 700 "$dir"
  mkdir -p "$dir/data"
  access="atom-$(random_hex 6)"
  secret="$(random_hex 20)"

  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    console_port="$(free_port)"
    [[ "$port" != "$console_port" ]] || continue
    # Loopback only; no update checks, no call-home: nothing may leave the machine.
    (
      cd "$dir"
      exec env MINIO_ROOT_USER="$access" MINIO_ROOT_PASSWORD="$secret" MINIO_UPDATE=off \
        MINIO_CALLHOME_ENABLE=off MINIO_BROWSER_REDIRECT=off MINIO_CI_CD=1 \
        setsid "$binary" server "$dir/data" --address "127.0.0.1:$port" \
        --console-address "127.0.0.1:$console_port" --quiet --anonymous \
        </dev/null >>"$dir/server.log" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$dir/minio.pid"
    for waited in $(seq 1 300); do
      if ! pid_alive "$pid"; then
        break
      fi
      if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/minio/health/live" 2>/dev/null; then
        rm -f "$dir/starter.pid"
        note "MinIO $MINIO_VERSION on 127.0.0.1:$port, console 127.0.0.1:$console_port ($dir, ${waited}00ms)"
        printf "export ATOM_TEST_MINIO_ENDPOINT='127.0.0.1:%s' ATOM_TEST_MINIO_ACCESS_KEY='%s'" "$port" "$access"
        printf " ATOM_TEST_MINIO_SECRET_KEY='%s' ATOM_MINIO_DIR='%s'\n" "$secret" "$dir"
        return 0
      fi
      sleep 0.1
    done
    stop_server "$dir"
    note "start on port $port failed (attempt $attempt)"
  done
  tail -n 30 "$dir/server.log" >&2 || true
  rm -rf "$dir"
  die "could not start MinIO"
}

cmd_stop() {
  local dir="${1:-${ATOM_MINIO_DIR:-}}"
  [[ -n "$dir" ]] || die "stop: no run directory (pass one or set ATOM_MINIO_DIR)"
  [[ "$(basename "$dir")" == run.* ]] || die "stop: $dir is not a run directory made by start"
  [[ -d "$dir" ]] || return 0
  stop_server "$dir"
  rm -rf "$dir"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop "${2:-}" ;;
  path) binary_path ;;
  *)
    echo "usage: $0 build  |  eval \"\$($0 start)\"  |  $0 stop [DIR]" >&2
    exit 2
    ;;
esac
