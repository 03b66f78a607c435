#!/usr/bin/env bash
# The SDKs' steps of the README's test command (scripts/test runs them), and the npm packages of the
# federation tests' gateway:
#
#   scripts/sdk.sh deps          # npm ci in clients/typescript when node_modules is missing or stale
#   scripts/sdk.sh gateway-deps  # the same in tests/federation/gateway (composition and gateway, for tests)
#   scripts/sdk.sh build         # tsc: the TypeScript SDK to dist/ (ES modules + .d.ts), its tests typechecked
#   scripts/sdk.sh packages      # what a partner does on a fresh machine: pip install ./clients/python into a
#                                # new venv and import it; npm pack the TypeScript SDK and check what it holds
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TS=clients/typescript

GATEWAY=tests/federation/gateway

# The packages of a lock file as sorted "path@version" lines (the root project left out).
locked_packages() {
  node -e 'const l = require(process.argv[1]); delete l.packages[""];
    for (const p of Object.keys(l.packages).sort()) console.log(`${p}@${l.packages[p].version}`)' "$1"
}

# npm ci in DIR when node_modules is missing or holds other packages or versions than package-lock.json
# (npm ci records the lock it installed as node_modules/.package-lock.json).
npm_ci_when_stale() {
  local dir="$1"
  if [[ ! -d "$dir/node_modules" ]] || ! cmp -s <(locked_packages "$PWD/$dir/package-lock.json") \
    <(locked_packages "$PWD/$dir/node_modules/.package-lock.json" 2>/dev/null); then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "$dir/node_modules is current"
  fi
}

deps() {
  npm_ci_when_stale "$TS"
}

gateway_deps() {
  npm_ci_when_stale "$GATEWAY"
}

build() {
  (cd "$TS" && npm run --silent build && npx --no-install tsc -p tsconfig.json --noEmit)
}

packages() {
  local scratch
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/atom-sdk-packages.XXXXXX")"
  trap 'rm -rf "$scratch"' RETURN
  python3 -m venv "$scratch/venv"
  "$scratch/venv/bin/pip" install -q --disable-pip-version-check ./clients/python
  (cd "$scratch" && venv/bin/python -c 'import atom_sdk, importlib.metadata as m; print("atom-sdk", m.version("atom-sdk"), "imports:", ", ".join(sorted(atom_sdk.__all__)[:5]), "...")')
  (cd "$TS" && npm pack --silent --pack-destination "$scratch" >/dev/null)
  local tarball
  tarball="$(ls "$scratch"/atom-cloud-sdk-*.tgz)"
  local listing
  listing="$(tar -tzf "$tarball")"
  grep -qx 'package/dist/index.js' <<<"$listing" || { echo "npm pack: dist/index.js missing" >&2; return 1; }
  grep -qx 'package/dist/index.d.ts' <<<"$listing" || { echo "npm pack: dist/index.d.ts missing" >&2; return 1; }
  if grep -q '^package/\(src\|test\|node_modules\)/' <<<"$listing"; then
    echo "npm pack: the tarball holds sources or tests" >&2
    return 1
  fi
  echo "npm pack: $(basename "$tarball"), $(wc -l <<<"$listing") files"
}

case "${1:-}" in
  deps) deps ;;
  gateway-deps) gateway_deps ;;
  build) build ;;
  packages) packages ;;
  *)
    echo "usage: scripts/sdk.sh deps|gateway-deps|build|packages" >&2
    exit 2
    ;;
esac
