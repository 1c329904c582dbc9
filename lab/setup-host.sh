#!/usr/bin/env bash
# Installs, with apt-get only, everything the build, the unit tests and the lab need.
# Idempotent: a second run with everything present only checks.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need_update=0
backports=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$backports" ]; then
  cat > "$backports" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  need_update=1
fi

# Build: C libraries the system-library targets link, found with pkg-config.
build_pkgs="pkg-config libkrb5-dev libkeyutils-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev zlib1g-dev libssl-dev"
# make deb: dpkg-buildpackage with debhelper, then lintian (Rules-Requires-Root: no, so no fakeroot).
deb_pkgs="dpkg-dev debhelper lintian"
# Lab plumbing and the userland the guest borrows from this host (see lab-recipe.md); xfsprogs and
# btrfs-progs make the ksmbd scenarios' reflink filesystems (ksmbd-tools itself is never installed:
# it conflicts with samba; lib-host.sh unpacks it into the cache).
lab_pkgs="qemu-system-x86 busybox-static cpio kmod xz-utils iproute2 cifs-utils keyutils python3
  krb5-kdc krb5-admin-server krb5-user gcc make bc flex bison libelf-dev libssl-dev
  binutils util-linux coreutils gssproxy ethtool
  xfsprogs btrfs-progs"
# Samba >= 4.20 (rpcd_witness) comes from bookworm-backports.
samba_pkgs="samba samba-common-bin ctdb python3-samba smbclient tdb-tools"

missing=()
for p in $build_pkgs $deb_pkgs $lab_pkgs $samba_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Samba must be the backports one even if bookworm's is installed.
if dpkg-query -W -f='${Version}' samba 2>/dev/null | grep -qv bpo; then missing+=(samba); fi

if [ ${#missing[@]} -gt 0 ] || [ "$need_update" = 1 ]; then
  apt-get update -q
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}"
  # shellcheck disable=SC2086 # the lists are meant to split into package names
  apt-get install -y -q --no-install-recommends $build_pkgs $deb_pkgs $lab_pkgs
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends -t bookworm-backports $samba_pkgs
fi
# The host does not need the daemons the packages may have started; the guest runs its own.
# systemctl takes unit names, pkill process names: they differ (krb5-kdc.service runs krb5kdc).
for s in smbd nmbd samba-ad-dc winbind ctdb krb5-kdc krb5-admin-server; do
  systemctl disable --now "$s" >/dev/null 2>&1 || true
done
for p in smbd nmbd krb5kdc kadmind ctdbd winbindd samba; do
  pkill -x "$p" >/dev/null 2>&1 || true
done
echo "setup-host: ok"
