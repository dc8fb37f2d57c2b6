#!/usr/bin/env bash
# Puts real Kea 2.6 (Debian trixie) and 3.0 (Debian sid) beside the system's 2.2, without
# installing them: `apt-get download` of the packages and their libraries from that suite into
# a private apt state, `dpkg-deb -x` into a cache outside git. Daemons then start through the
# suite's own loader (src/lab/kea-install.ts). Idempotent; fails loudly.
#
#   scripts/kea-versions.sh [2.6] [3.0]     (default: both)
#   KEA_VERSIONS_CACHE   cache dir (default: ${XDG_CACHE_HOME:-$HOME/.cache}/kea-telemetry/kea)
set -euo pipefail

cache="${KEA_VERSIONS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kea-telemetry/kea}"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(2.6 3.0)

suite_of() {
  case "$1" in
    2.6) echo trixie ;;
    3.0) echo sid ;;
    *) echo "kea-versions: unknown Kea version '$1' (known: 2.6, 3.0)" >&2; return 1 ;;
  esac
}

# The Kea packages; their libraries are found by walking Depends in that suite.
KEA_PACKAGES=(kea-dhcp4-server kea-dhcp6-server kea-dhcp-ddns-server kea-ctrl-agent kea-common kea-admin python3-kea-connector)

installed_version() { # prints "X.Y.Z" if the unpacked kea-dhcp4 runs
  local root="$1"
  "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
    --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \
    "$root/usr/sbin/kea-dhcp4" -v 2>/dev/null
}

ensure() {
  local want="$1" suite dir root apt tmp
  suite="$(suite_of "$want")"
  dir="$cache/$want"
  root="$dir/root"
  if [ -f "$dir/.complete" ] && v="$(installed_version "$root")" && [[ "$v" == "$want".* ]]; then
    echo "kea-versions: Kea $v ready in $root"
    return 0
  fi
  [ "$(uname -m)" = x86_64 ] || { echo "kea-versions: only x86_64 is supported (this is $(uname -m))" >&2; return 1; }
  echo "kea-versions: fetching Kea $want from Debian $suite into $root"
  rm -rf "$dir"
  mkdir -p "$dir/apt/lists/partial" "$dir/debs"
  apt="$dir/apt"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >"$apt/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$apt/lists"
    -o Dir::State::status=/dev/null -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Get::List-Cleanup=0 -o "Dir::Cache=$apt/cache")
  mkdir -p "$apt/cache/archives/partial"
  apt-get "${opts[@]}" -qq update
  # Libraries only: interpreters, debconf and the like are never loaded by the daemons.
  mapfile -t pkgs < <(apt-cache "${opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances "${KEA_PACKAGES[@]}" |
    grep -v '^ ' | grep -E '^(kea-|python3-kea-connector$|lib|gcc-[0-9]+-base$)' | grep -vE '^libpython|^libdebian|^libdebconf' | sort -u)
  (cd "$dir/debs" && apt-get "${opts[@]}" -qq download "${pkgs[@]}")
  mkdir -p "$root"
  for deb in "$dir/debs"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  rm -rf "$dir/debs" "$apt"
  if ! v="$(installed_version "$root")" || [[ "$v" != "$want".* ]]; then
    echo "kea-versions: unpacked Kea from $suite does not run as $want (kea-dhcp4 -v said: '${v:-nothing}')" >&2
    return 1
  fi
  touch "$dir/.complete"
  echo "kea-versions: Kea $v ready in $root"
}

for v in "${versions[@]}"; do ensure "$v"; done
