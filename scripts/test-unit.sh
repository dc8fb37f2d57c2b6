#!/usr/bin/env bash
# `npm run test:unit`: the unit tests (scripts/test-files.sh): no Kea, no promtool, no program
# started, no network but loopback. Most of a file's time in a process of its own is that process
# starting (Node, tsx, the module graph: ~1 s of CPU each, three times the tests' own CPU), so the
# files run in TEST_SHARDS processes (default 3), each loading its shard's files into one process
# (--test-isolation=none) while the others wait on their timers. In one process, a file's top-level
# before() runs before every test of its shard and its after() at the shard's end: a unit test
# must not depend on how long ago its file's before() ran. Module state is shared too: state a
# test relies on belongs to an instance it makes. Extra arguments go to node's test runner
# (e.g. --test-name-pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh
source scripts/test-files.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
mapfile -t files < <(test_files_unit)
shards="${TEST_SHARDS:-3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
pids=()
for i in $(seq 1 "$shards"); do
  node --import tsx --import ./test/support/guard.ts --import ./test/support/unit-only.ts --test --test-isolation=none \
    --test-shard="$i/$shards" --test-reporter=spec "$@" "${files[@]}" >"$out/$i.log" 2>&1 &
  pids+=("$!")
done
failed=0
for i in $(seq 1 "$shards"); do
  if wait "${pids[$((i - 1))]}"; then
    echo "test:unit shard $i/$shards: $(grep -E '^ℹ (tests|pass|fail) ' "$out/$i.log" | tr -d 'ℹ' | tr '\n' ' ')"
  else
    failed=1
    echo "test:unit shard $i/$shards FAILED:"
    cat "$out/$i.log"
  fi
done
exit "$failed"
