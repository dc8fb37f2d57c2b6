#!/usr/bin/env bash
# Sourced by the test and CI scripts: puts a supported Node.js first on PATH. When the system's
# node is older than package.json's engines.node, Node itself comes from the npm registry (the
# `node` package ships the official binary) into a cache outside the tree, pinned here, and is
# used for npm, the type-check, every test and the CLI they start.
NODE_PINNED=24.21.0
_node_cache="${KEA_TELEMETRY_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kea-telemetry/node-$NODE_PINNED}"
_node_min="$(sed -n 's/.*"node": *">= *\([0-9][0-9]*\).*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../package.json" | head -1)"
_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_node_major node)" -lt "$_node_min" ]; then
  if [ ! -x "$_node_cache/node_modules/node/bin/node" ] || [ "$(_node_major "$_node_cache/node_modules/node/bin/node")" -lt "$_node_min" ]; then
    echo "node: system Node.js $(node --version 2>/dev/null || echo none) is older than $_node_min; installing node@$NODE_PINNED from the npm registry into $_node_cache" >&2
    rm -rf "$_node_cache" && mkdir -p "$_node_cache"
    npm install --prefix "$_node_cache" --no-save --no-audit --no-fund --loglevel=error "node@$NODE_PINNED" >&2
  fi
  export PATH="$_node_cache/node_modules/node/bin:$PATH"
fi
[ "$(_node_major node)" -ge "$_node_min" ] || { echo "node: no Node.js >= $_node_min on PATH" >&2; exit 1; }
unset -f _node_major; unset _node_cache _node_min
