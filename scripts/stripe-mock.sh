#!/usr/bin/env bash
# A throwaway stripe-mock (Stripe's official API mock) for the test suite, on 127.0.0.1 only, on a free port.
#
#   scripts/stripe-mock.sh build               # go install stripe-mock when not built yet; prints the binary
#   eval "$(scripts/stripe-mock.sh start)"     # exports ATOM_TEST_STRIPE_API_BASE, ATOM_STRIPE_MOCK_PID/_DIR
#   scripts/stripe-mock.sh stop                # stops the server of $ATOM_STRIPE_MOCK_DIR
#   scripts/stripe-mock.sh stop DIR            # same, for an explicit run directory
#
# The binary is built from source with `go install github.com/stripe/stripe-mock@<version>` into
# ${ATOM_CACHE_DIR:-$HOME/.cache/atom-cloud}/stripe-mock/<version>/stripe-mock, outside the repository; as
# root the default is /var/cache/atom-cloud. The version is ATOM_STRIPE_MOCK_VERSION, or `@latest` resolved
# to a concrete version through the module proxy so the cache is keyed by it; offline, the newest cached
# build is used. `start` builds first when needed and writes only the `export` line to stdout (everything
# else goes to stderr). stripe-mock keeps no data: each request is answered from its bundled OpenAPI
# fixtures, so one server serves a whole test run.
set -euo pipefail

PROG="stripe-mock.sh"
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
MODULE="github.com/stripe/stripe-mock"

cache_root() {
  cache_dir stripe-mock
}

# The newest version that has a finished build in the cache, or nothing.
newest_cached() {
  local root="$1"
  find "$root" -mindepth 2 -maxdepth 2 -type f -name stripe-mock -path "$root/v*/stripe-mock" -perm -u+x \
    2>/dev/null | sed -E "s#^$root/([^/]+)/stripe-mock\$#\\1#" | sort -V | tail -n 1
}

# The concrete version to use: the pin when set, else @latest as the module proxy resolves it, else
# (offline) the newest cached build.
resolve_version() {
  local root="$1" go version
  if [[ -n "${ATOM_STRIPE_MOCK_VERSION:-}" ]]; then
    echo "$ATOM_STRIPE_MOCK_VERSION"
    return 0
  fi
  if go="$(find_go)"; then
    # Bounded: without a network the module proxy may not even refuse quickly.
    version="$(go_env "$root" timeout 30 "$go" list -m -f '{{.Version}}' "$MODULE@latest" 2>/dev/null || true)"
    if [[ "$version" =~ ^v[0-9] ]]; then
      echo "$version"
      return 0
    fi
  fi
  version="$(newest_cached "$root")"
  if [[ -n "$version" ]]; then
    note "could not resolve $MODULE@latest; using the cached $version"
    echo "$version"
    return 0
  fi
  return 1
}

cmd_build() {
  local root version binary go began cached
  root="$(cache_root)"
  version="$(resolve_version "$root")" || die "cannot resolve $MODULE@latest (offline?) and nothing is cached;" \
    "set ATOM_STRIPE_MOCK_VERSION or put a binary at $root/<version>/stripe-mock"
  binary="$root/$version/stripe-mock"
  if [[ -x "$binary" ]]; then
    echo "$binary"
    return 0
  fi
  go="$(find_go)" || die "stripe-mock $version is not built yet and Go is missing (looked in PATH and" \
    "/usr/local/go/bin); install Go or put a stripe-mock binary at $binary"
  # One build at a time: two test runs starting together must not both write the binary.
  exec 9>"$root/build.lock"
  flock 9
  if [[ -x "$binary" ]]; then # built by the run we waited for
    exec 9>&-
    echo "$binary"
    return 0
  fi
  note "building $MODULE@$version with $("$go" version | awk '{print $3}')"
  began=$SECONDS
  rm -rf "$root/$version.partial"
  mkdir -p "$root/$version.partial"
  if ! GOBIN="$root/$version.partial" go_env "$root" "$go" install "$MODULE@$version" >&2; then
    rm -rf "$root/$version.partial"
    exec 9>&-
    # Offline with a newer @latest than the cache: the newest cached build will do (never for a pin).
    cached=""
    [[ -n "${ATOM_STRIPE_MOCK_VERSION:-}" ]] || cached="$(newest_cached "$root")"
    [[ -n "$cached" ]] || die "go install $MODULE@$version failed"
    note "go install $MODULE@$version failed; using the cached $cached"
    echo "$root/$cached/stripe-mock"
    return 0
  fi
  mkdir -p "$root/$version"
  mv "$root/$version.partial/stripe-mock" "$binary"
  rm -rf "$root/$version.partial"
  exec 9>&-
  note "built $binary in $((SECONDS - began))s"
  echo "$binary"
}

is_stripe_mock() {
  grep -qa stripe-mock "/proc/$1/cmdline" 2>/dev/null
}

# A run directory is in use while its `start` is still running or its server is alive. Anything else
# (a killed run, a stale pid file after a reboot) is deleted.
sweep_stale() {
  local root="$1" dir starter server
  for dir in "$root"/run.*; do
    [[ -d "$dir" ]] || continue
    starter="$(cat "$dir/starter.pid" 2>/dev/null || true)"
    server="$(cat "$dir/stripe-mock.pid" 2>/dev/null || true)"
    if pid_alive "$starter"; then
      continue
    fi
    if pid_alive "$server" && is_stripe_mock "$server"; then
      continue
    fi
    note "removing stale run $dir"
    rm -rf "$dir"
  done
}

stop_server() {
  local dir="$1" pid waited
  pid="$(cat "$dir/stripe-mock.pid" 2>/dev/null || true)"
  pid_alive "$pid" || return 0
  is_stripe_mock "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for waited in $(seq 1 50); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  note "stripe-mock ($pid) did not stop within 5s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_start() {
  local binary root dir port attempt pid waited version
  binary="$(cmd_build)"
  version="$(basename "$(dirname "$binary")")"
  root="$(cache_root)"
  sweep_stale "$root"

  dir="$(mktemp -d "$root/run.XXXXXX")"
  echo "$$" >"$dir/starter.pid"

  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    # Loopback only. -http-port would listen on every interface, and stripe-mock also opens HTTPS on
    # *:12112 unless told otherwise even with -http-addr: its HTTPS goes to a Unix socket of the run.
    (
      cd "$dir"
      exec setsid "$binary" -http-addr "127.0.0.1:$port" -https-unix "$dir/https.sock" \
        </dev/null >>"$dir/server.log" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$dir/stripe-mock.pid"
    for waited in $(seq 1 100); do
      if ! pid_alive "$pid"; then
        break
      fi
      # Any HTTP answer means it is up; without an API key stripe-mock answers 401.
      if curl -sS -o /dev/null --max-time 1 "http://127.0.0.1:$port/v1/customers" 2>/dev/null; then
        rm -f "$dir/starter.pid"
        note "stripe-mock $version on 127.0.0.1:$port ($dir, ${waited}00ms)"
        printf "export ATOM_TEST_STRIPE_API_BASE='http://127.0.0.1:%s' ATOM_STRIPE_MOCK_PID='%s'" "$port" "$pid"
        printf " ATOM_STRIPE_MOCK_DIR='%s'\n" "$dir"
        return 0
      fi
      sleep 0.1
    done
    stop_server "$dir"
    note "start on port $port failed (attempt $attempt)"
  done
  tail -n 30 "$dir/server.log" >&2 || true
  rm -rf "$dir"
  die "could not start stripe-mock"
}

cmd_stop() {
  local dir="${1:-${ATOM_STRIPE_MOCK_DIR:-}}"
  [[ -n "$dir" ]] || die "stop: no run directory (pass one or set ATOM_STRIPE_MOCK_DIR)"
  [[ "$(basename "$dir")" == run.* ]] || die "stop: $dir is not a run directory made by start"
  [[ -d "$dir" ]] || return 0
  stop_server "$dir"
  rm -rf "$dir"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop "${2:-}" ;;
  *)
    echo "usage: $0 build  |  eval \"\$($0 start)\"  |  $0 stop [DIR]" >&2
    exit 2
    ;;
esac
