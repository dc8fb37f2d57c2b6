#!/usr/bin/env bash
# The one rule that sorts the tests (sourced by scripts/test.sh and scripts/test-unit.sh).
# Every *.test.ts under src/, test/ and dashboards/ runs in `npm test`. `npm run test:unit` runs
# the unit tests: those that run inside their own Node process and start no program, that is all but
#   test/integration/     real Kea (the lab, src/lab/), real Prometheus, OTLP collectors
#   test/helm/            the Helm chart (the helm binary) and the image (a build of its context)
#   <name>.<what>.test.ts beside the code, needing <what>: .promtool. (Prometheus's checker),
#                         .process. (starts the exporter or a test runner as a process),
#                         .fuzz. (thousands of generated inputs: seconds of CPU each, not a unit's),
#                         .memory. (measures the process's own memory: needs a process to itself,
#                         and test:unit shares one among many files)
# test/support/unit-only.ts enforces it: a unit test that starts a program (but openssl and
# mkfifo, which make its fixtures) fails, saying where it belongs.
test_files_all() {
  find src test dashboards -name '*.test.ts' | sort
}
test_files_unit() {
  test_files_all | grep -Ev '^test/(integration|helm)/|\.[a-z]+\.test\.ts$'
}
# `npm test` runs each file in a process of its own: those under test/integration/ one after
# another (real Kea daemons, Prometheus, fixed resources), all the others a few at a time.
test_files_serial() {
  test_files_all | grep -E '^test/integration/'
}
test_files_parallel() {
  test_files_all | grep -Ev '^test/integration/'
}
