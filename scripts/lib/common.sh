# Shared by scripts/postgres.sh, scripts/minio.sh and scripts/stripe-mock.sh: messages, the cache
# directory outside the repository, Go, pids and free loopback ports. Source it after setting PROG.

die() {
  echo "$PROG: $*" >&2
  exit 1
}

note() {
  echo "$PROG: $*" >&2
}

# <cache>/<name>, created: $ATOM_CACHE_DIR, else /var/cache/atom-cloud as root, else ~/.cache/atom-cloud.
cache_dir() {
  local name="$1" cache
  if [[ -n "${ATOM_CACHE_DIR:-}" ]]; then
    cache="$ATOM_CACHE_DIR"
  elif [[ "$(id -u)" -eq 0 ]]; then
    cache="/var/cache/atom-cloud"
  else
    cache="${HOME:-/tmp}/.cache/atom-cloud"
  fi
  mkdir -p "$cache/$name"
  echo "$cache/$name"
}

find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    return 1
  fi
}

# Run a go command with its module and build caches under ROOT (reused by every rebuild there).
go_env() {
  local root="$1"
  shift
  GOPATH="$root/go/path" GOMODCACHE="$root/go/mod" GOCACHE="$root/go/build" GOTOOLCHAIN=local \
    GOFLAGS=-mod=mod CGO_ENABLED=0 "$@"
}

pid_alive() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}
