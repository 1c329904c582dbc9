#!/usr/bin/env bash
# Prints the newest Debian kernel packages apt knows about, in the form lab/versions.sh
# wants, and checks that headers and linux-source exist at the same Debian version.
# It changes nothing: a maintainer copies the lines into lab/versions.sh.
# Run `apt-get update` first for fresh results.
set -euo pipefail

# newest_abi REGEX: the newest linux-image-<abi> package whose name matches REGEX.
newest_abi() {
  apt-cache search --names-only "$1" | awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n1
}

# newest_version PKG: the highest Debian version of PKG in any configured suite.
newest_version() {
  apt-cache madison "$1" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -V | tail -n1
}

# has_version PKG VERSION: true if apt can fetch PKG=VERSION.
has_version() {
  apt-cache madison "$1" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "$2"
}

status=0
pick() {
  local name=$1 suffix=$2 regex=$3 series=$4 abi ver
  abi=$(newest_abi "$regex")
  if [ -z "$abi" ]; then echo "# no linux-image matching $regex" >&2; status=1; return; fi
  ver=$(newest_version "linux-image-$abi")
  echo "KVER_$suffix=$abi"
  echo "DEBVER_$suffix=$ver"
  echo "SERIES_$suffix=$series"
  for p in "linux-headers-$abi" "linux-source-$series"; do
    if ! has_version "$p" "$ver"; then
      echo "# WARNING ($name): $p has no version $ver; the witness module cannot be built for it" >&2
      status=1
    fi
  done
}

# 6.12: bookworm-security builds are named 6.12.N+deb12-amd64 (backports use +bpo).
pick 6.12 612 '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' 6.12
# 6.1: the bookworm stock ABI names, 6.1.0-N-amd64.
pick 6.1 61 '^linux-image-6\.1\.0-[0-9]+-amd64$' 6.1
exit $status
