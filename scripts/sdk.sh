#!/usr/bin/env bash
# The SDKs' steps of the README's test command (scripts/test runs them):
#
#   scripts/sdk.sh deps       # npm ci in clients/typescript when node_modules is missing or stale
#   scripts/sdk.sh build      # tsc: the TypeScript SDK to dist/ (ES modules + .d.ts), and its tests typechecked
#   scripts/sdk.sh packages   # what a partner does on a fresh machine: pip install ./clients/python into a
#                             # new venv and import it; npm pack the TypeScript SDK and check what it holds
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TS=clients/typescript

deps() {
  # npm ci records the lock it installed as node_modules/.package-lock.json: reinstall when they differ.
  if [[ ! -d "$TS/node_modules" ]] || ! cmp -s <(node -e 'const l=require("./'"$TS"'/package-lock.json"); delete l.packages[""]; console.log(JSON.stringify(Object.keys(l.packages).sort()))') \
    <(node -e 'const l=require("./'"$TS"'/node_modules/.package-lock.json"); console.log(JSON.stringify(Object.keys(l.packages).sort()))' 2>/dev/null); then
    (cd "$TS" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "$TS/node_modules is current"
  fi
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
  build) build ;;
  packages) packages ;;
  *)
    echo "usage: scripts/sdk.sh deps|build|packages" >&2
    exit 2
    ;;
esac
