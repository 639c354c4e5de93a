#!/usr/bin/env bash
# Sourced by the other scripts: puts a current LTS Node (>= 22) and the pinned pnpm on PATH and installs
# the workspace. The machine's Node is used when it is recent enough; otherwise Node is installed from the
# npm registry (package `node`, which ships the official binary) into a per-user cache.
set -euo pipefail

NODE_VERSION=24.21.0
PNPM_VERSION=10.34.9
MIN_NODE_MAJOR=22

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${SVELTOS_TS_CACHE:-$HOME/.cache/sveltos-ts}"
TOOLCHAIN="$CACHE_ROOT/toolchain/node-$NODE_VERSION-pnpm-$PNPM_VERSION"
export SVELTOS_TS_CACHE="$CACHE_ROOT"

system_node_major() {
  command -v node >/dev/null 2>&1 || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

toolchain_packages=("pnpm@$PNPM_VERSION")
if [ "$(system_node_major)" -lt "$MIN_NODE_MAJOR" ]; then
  toolchain_packages+=("node@$NODE_VERSION")
fi

if [ ! -x "$TOOLCHAIN/node_modules/.bin/pnpm" ] || { [ "${#toolchain_packages[@]}" -gt 1 ] && [ ! -x "$TOOLCHAIN/node_modules/.bin/node" ]; }; then
  echo "bootstrap: installing ${toolchain_packages[*]} into $TOOLCHAIN" >&2
  mkdir -p "$TOOLCHAIN"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$TOOLCHAIN" "${toolchain_packages[@]}" >&2
fi
export PATH="$TOOLCHAIN/node_modules/.bin:$PATH"

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt "$MIN_NODE_MAJOR" ]; then
  echo "bootstrap: Node $(node --version) is too old even after installing the toolchain" >&2
  exit 1
fi

cd "$REPO_ROOT"
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ] || [ -n "${CI:-}" ]; then
  pnpm install --frozen-lockfile --reporter=silent >&2
fi
