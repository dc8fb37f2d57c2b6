#!/usr/bin/env bash
# Runs every test, after the type check, the linter and the formatter's check. Installs what the
# tests need (Kea 2.2, Prometheus, PostgreSQL and systemd's checkers from Debian, Kea 2.6 and 3.0 unpacked from Debian trixie and
# sid, npm packages) when it is missing, so it passes on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh

need=()
for bin in kea-dhcp4 kea-dhcp6 kea-dhcp-ddns kea-ctrl-agent kea-shell perfdhcp promtool prometheus openssl prlimit setpriv systemd-analyze systemd-sysusers; do
  command -v "$bin" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "$bin" >/dev/null 2>&1 || need+=("$bin")
done
# The lease database tests start their own PostgreSQL server (src/lab/postgres.ts).
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgres)
if [ ${#need[@]} -gt 0 ]; then
  echo "test: installing Debian packages for: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq kea-dhcp4-server kea-dhcp6-server kea-dhcp-ddns-server kea-ctrl-agent \
    kea-admin prometheus openssl util-linux systemd postgresql >/dev/null
fi
export PATH="$PATH:/usr/sbin"
# Real Kea 2.6 and 3.0 beside the system's 2.2 (unpacked into a cache; fails loudly when it cannot).
scripts/kea-versions.sh 2.6 3.0

[ -d node_modules ] || npm ci --no-audit --no-fund

npx tsc -p tsconfig.json --noEmit
npm run --silent lint
npm run --silent format:check
# Every *.test.ts beside its source and under test/, each file in a process of its own
# (scripts/test-files.sh sorts them): those that start no lab TEST_JOBS at a time (default 3; a
# process start is ~1 s of CPU, and 110 unit files one after another took 137 s, 66 s three at a
# time), then test/integration/ one after another (real Kea daemons and fixed resources); tests
# inside a file as they declare. Both parts run whatever the other's outcome.
source scripts/test-files.sh
run() { node --import tsx --import ./test/support/guard.ts --test "$@"; }
mapfile -t parallel < <(test_files_parallel)
mapfile -t serial < <(test_files_serial)
first=0
run --test-concurrency="${TEST_JOBS:-3}" "${parallel[@]}" || first=$?
run --test-concurrency=1 "${serial[@]}" || exit $?
exit "$first"
