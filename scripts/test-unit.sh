#!/usr/bin/env bash
# `npm run test:unit`: the tests that need Node alone (scripts/test-files.sh), no Kea, no promtool,
# no network but loopback. Extra arguments go to node's test runner (e.g. --test-name-pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-files.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
mapfile -t files < <(test_files_unit)
exec node --import tsx --import ./test/support/guard.ts --import ./test/support/unit-only.ts --test --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
