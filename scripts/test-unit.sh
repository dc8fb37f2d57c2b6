#!/usr/bin/env bash
# `npm run test:unit`: the unit tests (scripts/test-files.sh): no Kea, no promtool, no program
# started, no network but loopback. Files run 4 at a time (TEST_CONCURRENCY): most of a file's
# time is its process starting (tsx, the module graph) or waiting on timers, and unit tests share
# no fixed resource. Extra arguments go to node's test runner (e.g. --test-name-pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh
source scripts/test-files.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
mapfile -t files < <(test_files_unit)
exec node --import tsx --import ./test/support/guard.ts --import ./test/support/unit-only.ts --test --test-concurrency="${TEST_CONCURRENCY:-4}" "$@" "${files[@]}"
