#!/usr/bin/env bash
# The Launchpad's steps (web/, served by the server at /): scripts/test runs deps, build and unit;
# `make run` runs ensure, so a new checkout needs only that one command.
#
#   scripts/web.sh deps     # npm ci in web/ when node_modules is missing or stale (as scripts/sdk.sh deps)
#   scripts/web.sh build    # tsc --noEmit, then vite build to web/dist (and its build stamp)
#   scripts/web.sh unit     # the component tests: vitest run
#   scripts/web.sh ensure   # what `make run` needs: the SDK and web/dist built, each only when missing or
#                           # stale (a file under web/src, web/index.html, web's package files or configs,
#                           # or the SDK's dist newer than web/dist/.build-stamp)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
WEB=web
SDK=clients/typescript
STAMP="$WEB/dist/.build-stamp"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

deps() {
  # web/ depends on the SDK as file:../clients/typescript, whose own dependencies it resolves there.
  scripts/sdk.sh deps
  if [[ ! -d "$WEB/node_modules" ]] || ! cmp -s <(locked "$PWD/$WEB/package-lock.json") \
    <(locked "$PWD/$WEB/node_modules/.package-lock.json" 2>/dev/null); then
    (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "$WEB/node_modules is current"
  fi
}

# The packages of a lock file as sorted "path@version" lines (the root project left out, and optional
# ones: npm installs only the platform binaries of this machine, e.g. one of esbuild's and rollup's).
locked() {
  node -e 'const l = require(process.argv[1]); delete l.packages[""];
    for (const p of Object.keys(l.packages).sort()) if (!l.packages[p].optional)
      console.log(`${p}@${l.packages[p].version}`)' "$1"
}

build() {
  [[ -f "$SDK/dist/index.js" ]] || scripts/sdk.sh build
  (cd "$WEB" && npx --no-install tsc --noEmit -p tsconfig.json && npx --no-install vite build --logLevel warn)
  touch "$STAMP"
  echo "$WEB/dist built ($(du -sh "$WEB/dist" | cut -f1))"
}

unit() {
  (cd "$WEB" && npx --no-install vitest run)
}

# Whether any input of the build is newer than the stamp (or there is no stamp).
web_stale() {
  [[ -f "$STAMP" ]] || return 0
  [[ -n "$(find "$WEB/src" "$WEB/index.html" "$WEB/package.json" "$WEB/package-lock.json" "$WEB/vite.config.ts" \
    "$WEB/tsconfig.json" "$SDK/dist" -newer "$STAMP" -print -quit 2>/dev/null)" ]]
}

sdk_stale() {
  [[ -f "$SDK/dist/index.js" ]] || return 0
  [[ -n "$(find "$SDK/src" "$SDK/package.json" -newer "$SDK/dist/index.js" -print -quit)" ]]
}

ensure() {
  if ! command -v npm >/dev/null 2>&1; then
    if [[ -f "$STAMP" ]]; then
      echo "web.sh: npm is not on PATH; serving the existing $WEB/dist" >&2
      return 0
    fi
    echo "web.sh: npm is not on PATH, so the Launchpad cannot be built: install Node.js 20.19+ (the API runs without it)" >&2
    return 0
  fi
  if sdk_stale || web_stale || [[ ! -d "$WEB/node_modules" ]]; then
    deps
    if sdk_stale; then scripts/sdk.sh build; fi
    build
  else
    echo "$WEB/dist is current"
  fi
}

case "${1:-}" in
  deps) deps ;;
  build) build ;;
  unit) unit ;;
  ensure) ensure ;;
  *)
    echo "usage: scripts/web.sh deps|build|unit|ensure" >&2
    exit 2
    ;;
esac
