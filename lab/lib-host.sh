# shellcheck shell=bash
# Host-side library of the lab: cache layout, building the cache entries, booting a guest.
# Sourced by prepare.sh, run.sh and capture-fixtures.sh (all run with set -euo pipefail).
#
# Cache layout, outside the repository (the repo stays small and other people's
# `git status` clean):
#   $LAB_CACHE/debs/                          downloaded .deb files
#   $LAB_CACHE/kernel/<kver>_<debver>/        vmlinuz + lib/modules/<kver> (depmod'd)
#   $LAB_CACHE/initramfs/<kver>_<debver>-<recipe hash>.cpio.gz
#   $LAB_CACHE/witness/<kver>_<debver>-<recipe hash>/cifs.ko
#   $LAB_CACHE/ksmbd-tools/<debver>/usr/sbin/ksmbd.{mountd,adduser,control}  (dpkg -x, never installed)
# Every entry is built under a lock into "<entry>.tmp.<pid>" and renamed into place only
# when complete, so an interrupted build never leaves a half-built entry that looks done.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/.." && pwd)
# shellcheck source=versions.sh
. "$LAB_DIR/versions.sh"

LAB_CACHE=${SMB3KIT_CACHE:-$HOME/.cache/smb3kit}/lab
LAB_OUT=$LAB_DIR/out   # console logs (gitignored)
export LAB_OUT

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# Sets KVER DEBVER SERIES KEY for a short kernel name (6.12 | 6.1).
lab_select_kernel() {
  local pins
  pins=$(lab_kernel_pins "$1") || exit 2
  read -r KVER DEBVER SERIES <<<"$pins"
  # '~' is legal in paths but awkward on a kernel command line and in shells; keep keys plain.
  KEY="${KVER}_${DEBVER//\~/_}"
}

# The 9p/overlay modules the initramfs needs, in load order (lab-recipe.md §3). 6.12 builds
# virtio, virtio_pci and fscache in; /init skips what is absent. virtio-rng (qemu's
# virtio-rng-pci) makes the kernel's CRNG ready while /init runs: see lab_boot.
lab_initrd_modules() {
  case "$1" in
    6.1) echo "virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio-rng netfs fscache 9pnet 9pnet_virtio 9p overlay" ;;
    6.12) echo "virtio-rng netfs 9pnet 9pnet_virtio 9p overlay" ;;
  esac
}

lab_sha() { sha256sum | cut -c1-12; }

# Hash of everything the initramfs is made of, so editing /init or the module list gives a
# new cache entry instead of silently reusing the old one.
lab_initrd_hash() {
  { cat "$LAB_DIR/guest/init"; lab_initrd_modules "$1"; declare -f lab_build_initrd
    dpkg-query -W -f='${Version}' busybox-static; } | lab_sha
}

# Hash of the witness build recipe (the function text holds the make flags and file list).
lab_witness_hash() { declare -f lab_build_witness | lab_sha; }

lab_kdir() { echo "$LAB_CACHE/kernel/$KEY"; }
lab_initrd_path() { echo "$LAB_CACHE/initramfs/$KEY-$(lab_initrd_hash "$1").cpio.gz"; }
lab_witness_dir() { echo "$LAB_CACHE/witness/$KEY-$(lab_witness_hash)"; }

# lab_locked LOCKNAME CMD...: runs CMD while holding an exclusive flock, so two runners
# (e.g. run.sh and capture-fixtures.sh started at once) never build the same entry twice.
lab_locked() {
  local name=$1; shift
  mkdir -p "$LAB_CACHE/locks"
  (
    exec 9>"$LAB_CACHE/locks/$name.lock"
    flock 9
    "$@"
  )
}

# lab_download PKG VERSION: the .deb path, downloaded with apt-get into the cache once.
lab_download() {
  local pkg=$1 ver=$2 dir=$LAB_CACHE/debs f
  mkdir -p "$dir"
  f=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" -print | while read -r d; do
        [ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"; done | head -n1)
  if [ -z "$f" ]; then
    lab_log "downloading $pkg=$ver"
    (cd "$dir" && apt-get download -q "$pkg=$ver" >&2) \
      || lab_die "apt-get download $pkg=$ver failed (apt-get update? pins in lab/versions.sh still available?)"
    f=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" -print | while read -r d; do
          [ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"; done | head -n1)
  fi
  [ -n "$f" ] || lab_die "no .deb for $pkg=$ver in $dir"
  echo "$f"
}

# Kernel image and modules, extracted (not installed) and depmod'd under the entry itself.
lab_build_kernel() {
  local dest deb tmp
  dest=$(lab_kdir)
  [ -d "$dest" ] && return 0
  deb=$(lab_download "linux-image-$KVER" "$DEBVER")
  tmp="$dest.tmp.$$"
  rm -rf "$dest".tmp.*; mkdir -p "$tmp"   # leftovers of interrupted builds (we hold the lock)
  lab_log "extracting $(basename "$deb")"
  dpkg-deb -x "$deb" "$tmp/root"
  mv "$tmp/root/boot/vmlinuz-$KVER" "$tmp/vmlinuz"
  mv "$tmp/root/boot/config-$KVER" "$tmp/config"
  mkdir -p "$tmp/lib"
  mv "$tmp/root/lib/modules" "$tmp/lib/modules" 2>/dev/null \
    || mv "$tmp/root/usr/lib/modules" "$tmp/lib/modules"
  rm -rf "$tmp/root"
  depmod -b "$tmp" "$KVER"
  [ -s "$tmp/lib/modules/$KVER/modules.dep" ] || lab_die "depmod produced no modules.dep for $KVER"
  echo "$KVER $DEBVER" > "$tmp/VERSION"
  mv -T "$tmp" "$dest"
}

# The kernel's build configuration (/boot/config-<kver>), which `smb3-upcall --check-setup` reads;
# added to cache entries made before it was kept.
lab_kernel_config() {
  local dest deb
  dest=$(lab_kdir)
  [ -f "$dest/config" ] && return 0
  deb=$(lab_download "linux-image-$KVER" "$DEBVER")
  dpkg-deb --fsys-tarfile "$deb" | tar -xO "./boot/config-$KVER" > "$dest/config.tmp.$$"
  grep -q '^CONFIG_CIFS=' "$dest/config.tmp.$$" || lab_die "no CONFIG_CIFS in the config of $KVER"
  mv "$dest/config.tmp.$$" "$dest/config"
}

# busybox initramfs with the 9p/overlay modules (uncompressed, for busybox insmod) and /init.
lab_build_initrd() {
  local short=$1 dest kdir tmp m f
  dest=$(lab_initrd_path "$short")
  [ -f "$dest" ] && return 0
  kdir=$(lab_kdir)
  tmp="$dest.tmp.$$"
  rm -rf "$dest".tmp.*   # leftovers of interrupted builds (we hold the lock)
  mkdir -p "$(dirname "$dest")" "$tmp.d"/{bin,dev,proc,sys,host,newroot,mods}
  cp /bin/busybox "$tmp.d/bin/busybox"
  cp "$LAB_DIR/guest/init" "$tmp.d/init"
  chmod 755 "$tmp.d/init"
  for m in $(lab_initrd_modules "$short"); do
    f=$(find "$kdir/lib/modules/$KVER" \( -name "$m.ko" -o -name "$m.ko.xz" \) -print -quit)
    [ -n "$f" ] || lab_die "module $m not found in $KVER"
    case "$f" in
      *.xz) xz -dc "$f" > "$tmp.d/mods/$m.ko" ;;
      *) cp "$f" "$tmp.d/mods/$m.ko" ;;
    esac
  done
  (cd "$tmp.d" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) > "$tmp"
  rm -rf "$tmp.d"
  mv -T "$tmp" "$dest"
}

# Makes sure an apt package is installed at exactly VERSION (apt-get only; may downgrade).
lab_apt_install_exact() {
  local want=() p v
  while [ $# -gt 0 ]; do
    p=$1 v=$2; shift 2
    if [ "$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null)" != "install ok installed $v" ]; then
      want+=("$p=$v")
    fi
  done
  [ ${#want[@]} -eq 0 ] && return 0
  lab_log "apt-get install ${want[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --allow-downgrades "${want[@]}" >&2; then
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --allow-downgrades "${want[@]}" >&2
  fi
}

# cifs.ko with CONFIG_CIFS_SWN_UPCALL, built out of tree from the Debian source of the same
# version as the image (lab-recipe.md §9). Debian builds cifs without the witness genl family.
lab_build_witness() {
  local dest tmp src hdr
  dest=$(lab_witness_dir)
  [ -f "$dest/cifs.ko" ] && return 0
  lab_apt_install_exact "linux-headers-$KVER" "$DEBVER" "linux-source-$SERIES" "$DEBVER"
  if ! command -v gcc >/dev/null || ! command -v make >/dev/null; then lab_die "gcc/make missing (run lab/setup-host.sh)"; fi
  hdr=/usr/src/linux-headers-$KVER
  [ -f "$hdr/Makefile" ] || lab_die "$hdr missing after installing linux-headers-$KVER"
  tmp="$dest.tmp.$$"
  rm -rf "$dest".tmp.*; mkdir -p "$tmp"   # leftovers of interrupted builds (we hold the lock)
  src=linux-source-$SERIES
  lab_log "extracting fs/smb from /usr/src/$src.tar.xz"
  # Only what the module build reads: fs/smb (client + common), the ASN.1 compiler, and
  # on 6.12 the nls_ucs2 headers that cifs_unicode.h includes by relative path.
  local pats=("$src/fs/smb/*" "$src/scripts/asn1_compiler.c" "$src/include/linux/asn1*.h")
  [ "$SERIES" = 6.1 ] || pats+=("$src/fs/nls/nls_ucs2_*")
  tar -C "$tmp" -xJf "/usr/src/$src.tar.xz" --wildcards "${pats[@]}"
  # The headers package ships no asn1_compiler binary; build it and run it by hand.
  gcc -O2 -I "$tmp/$src/include" -o "$tmp/asn1_compiler" "$tmp/$src/scripts/asn1_compiler.c"
  (cd "$tmp/$src/fs/smb/client" &&
    "$tmp/asn1_compiler" cifs_spnego_negtokeninit.asn1 \
      cifs_spnego_negtokeninit.asn1.c cifs_spnego_negtokeninit.asn1.h)
  lab_log "building witness cifs.ko for $KVER (1-3 min)"
  # The make variables select the extra objects (netlink.o, cifs_swn.o); KCFLAGS defines the
  # option for the #ifdefs because the headers' autoconf.h does not.
  make -s -C "$hdr" M="$tmp/$src/fs/smb/client" \
    CONFIG_CIFS=m CONFIG_CIFS_SWN_UPCALL=y CONFIG_CIFS_XATTR=y CONFIG_CIFS_UPCALL=y \
    CONFIG_CIFS_DFS_UPCALL=y CONFIG_CIFS_FSCACHE=y CONFIG_CIFS_ALLOW_INSECURE_LEGACY=y \
    KCFLAGS=-DCONFIG_CIFS_SWN_UPCALL=1 -j"$(nproc)" modules >"$tmp/build.log" 2>&1 \
    || { tail -n 30 "$tmp/build.log" >&2; lab_die "witness module build failed for $KVER"; }
  # Debug info makes it ~27 MB; the guest reads it over 9p, so strip it.
  strip --strip-debug -o "$tmp/cifs.ko" "$tmp/$src/fs/smb/client/cifs.ko"
  # (No "| grep -q" here: with pipefail its early exit would fail the pipeline.)
  local vermagic
  vermagic=$(modinfo -F vermagic "$tmp/cifs.ko")
  [ "${vermagic%% *}" = "$KVER" ] || lab_die "witness cifs.ko has the wrong vermagic: $vermagic"
  grep -qa cifs_mcgrp_swn "$tmp/cifs.ko" || lab_die "witness cifs.ko lacks cifs_mcgrp_swn"
  cp "$tmp/build.log" "$tmp/cifs.ko.build.log"
  rm -rf "${tmp:?}/$src" "$tmp/asn1_compiler" "$tmp/build.log"
  echo "$KVER $DEBVER" > "$tmp/VERSION"
  mv -T "$tmp" "$dest"
}

# The ksmbd user-space daemon for the ksmbd scenarios (lab-recipe.md §12). ksmbd-tools declares
# Conflicts: samba, so it is NEVER installed (that would remove Samba from the host and with it
# from every guest): the package is downloaded and unpacked into the cache, and the guest runs
# ksmbd.mountd from there with its own config and user database. The version is the newest apt
# knows (3.5.2 from bookworm-backports, which setup-host.sh enables): 6.1.192's ksmbd.ko rejects
# every share config of releases before 3.5.2, which leave payload_sz zero (tree connects then
# fail with BAD_NETWORK_NAME; 6.12 derives it). The entry is keyed by the version.
lab_ksmbd_tools_version() {
  local v best=
  for v in $(apt-cache madison ksmbd-tools 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}'); do
    if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
  done
  echo "$best"
}
lab_ksmbd_tools_dir() { echo "$LAB_CACHE/ksmbd-tools/${1//\~/_}"; }
lab_build_ksmbd_tools() {
  local ver=$1 dest deb tmp
  dest=$(lab_ksmbd_tools_dir "$ver")
  [ -x "$dest/usr/sbin/ksmbd.mountd" ] && return 0
  deb=$(lab_download ksmbd-tools "$ver")
  tmp="$dest.tmp.$$"
  rm -rf "$dest".tmp.*; mkdir -p "$tmp"   # leftovers of interrupted builds (we hold the lock)
  dpkg-deb -x "$deb" "$tmp"
  [ -x "$tmp/usr/sbin/ksmbd.mountd" ] && [ -x "$tmp/usr/sbin/ksmbd.adduser" ] \
    || lab_die "ksmbd-tools $ver has no usr/sbin/ksmbd.mountd or ksmbd.adduser"
  echo "$ver" > "$tmp/VERSION"
  mv -T "$tmp" "$dest"
}

# lab_prepare_ksmbd: sets LAB_KSMBD_TOOLS to the unpacked ksmbd-tools (built once).
lab_prepare_ksmbd() {
  local ver
  ver=$(lab_ksmbd_tools_version)
  if [ -z "$ver" ]; then
    apt-get update -q >&2 || true
    ver=$(lab_ksmbd_tools_version)
  fi
  [ -n "$ver" ] || lab_die "apt knows no ksmbd-tools package (apt-get update?)"
  lab_locked "ksmbd-tools" lab_build_ksmbd_tools "$ver"
  LAB_KSMBD_TOOLS=$(lab_ksmbd_tools_dir "$ver")
}

# lab_prepare SHORT [witness]: everything a boot of kernel SHORT needs.
lab_prepare() {
  local short=$1 witness=${2:-}
  lab_select_kernel "$short"
  lab_locked "kernel-$KEY" lab_build_kernel
  lab_locked "kernel-$KEY" lab_kernel_config
  lab_locked "initrd-$KEY" lab_build_initrd "$short"
  if [ "$witness" = witness ]; then
    lab_locked "witness-$KEY" lab_build_witness
  fi
}

# Directory with the project's executables (the guest sees it through 9p at the same path).
lab_bin() { echo "${SMB3KIT_BIN:-$LAB_REPO/.build/release}"; }

# lab_boot SHORT GUEST_SCRIPT LOG TIMEOUT [extra cmdline words...]
# Boots one guest that runs GUEST_SCRIPT as its init; the serial console goes to LOG (raw)
# and the lines starting with "LAB-" to stdout while it runs. Returns qemu's/timeout's status.
# LAB_GUEST_MEM (MiB, default 2048): the guest's RAM, whose tmpfs holds every file a scenario
# writes (Benchmarks/copy.sh asks for more for its 1 GiB files).
lab_boot() {
  local short=$1 script=$2 log=$3 secs=$4; shift 4
  local kdir initrd witness cmdline p
  lab_select_kernel "$short"
  kdir=$(lab_kdir)
  initrd=$(lab_initrd_path "$short")
  witness=$(lab_witness_dir)
  for p in "$LAB_REPO" "$LAB_CACHE" "$script" "$(lab_bin)"; do
    case "$p" in *[[:space:]]*) lab_die "paths with spaces cannot go on a kernel command line: '$p'" ;; esac
  done
  # Parameters with a dot are ignored by the kernel and stay visible in /proc/cmdline, which
  # is where lab/guest/lib.sh reads them. The guest watchdog fires before the host timeout
  # so that the guest can still print why it is stuck.
  # tsc=reliable: under TCG on a loaded host the clocksource watchdog judges the TSC unstable
  # and switches clocksource; the jump-label patching that follows has oopsed (int3 in
  # sched_clock_cpu, seen at boot and mid-scenario). A reliable TSC is never watched.
  # The same fault hit get_random_u32 when the CRNG became ready 44 s into a systemd guest (its
  # static key is patched then, while dpkg ran): virtio-rng-pci, loaded by /init, makes it ready
  # at once, before userspace.
  cmdline="console=ttyS0 panic=-1 quiet tsc=reliable guest=$script smb3kit.repo=$LAB_REPO smb3kit.cache=$LAB_CACHE"
  cmdline+=" smb3kit.kdir=$kdir smb3kit.kernel=$short smb3kit.witness=$witness/cifs.ko"
  cmdline+=" smb3kit.bin=$(lab_bin) smb3kit.watchdog=$((secs - 30)) $*"
  mkdir -p "$(dirname "$log")"
  # -display none + -serial stdio: the console is this process's stdout (stdin /dev/null,
  # so qemu never touches a terminal). -nic none: no network card at all.
  set +e
  timeout -k 10 "$secs" qemu-system-x86_64 \
    -accel tcg -m "${LAB_GUEST_MEM:-2048}" -smp 2 -display none -monitor none -serial stdio -no-reboot -nic none -device virtio-rng-pci \
    -kernel "$kdir/vmlinuz" -initrd "$initrd" -append "$cmdline" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    </dev/null 2>&1 | stdbuf -o0 tr -d '\r' | tee "$log" | grep --line-buffered -E '^LAB-(INIT|STEP|INFO|PASS|FAIL|WARN)' \
    | sed -u 's/^/  /'
  local rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

# lab_extract_blobs LOG DESTDIR: decodes every LAB-BLOB in LOG into DESTDIR/<name>, checking
# size and sha256 sent by the guest (a torn console line must never become a fixture).
# Prints the names written; fails if any blob is damaged.
lab_extract_blobs() {
  local log=$1 dest=$2 name size sha tmp bad=0
  mkdir -p "$dest"
  while read -r _ name size sha; do
    tmp=$(mktemp)
    awk -v n="$name" '$0 == "LAB-BLOB-END " n { f = 0 } f { print } $1 == "LAB-BLOB-BEGIN" && $2 == n { f = 1 }' "$log" \
      | base64 -d > "$tmp" 2>/dev/null || true
    if [ "$(stat -c %s "$tmp")" != "$size" ] || [ "$(sha256sum < "$tmp" | cut -d' ' -f1)" != "$sha" ]; then
      lab_log "blob $name from $log is damaged (size/sha256 mismatch); not written"
      rm -f "$tmp"; bad=1; continue
    fi
    chmod 644 "$tmp"
    mv "$tmp" "$dest/$name"
    echo "$name"
  done < <(grep '^LAB-BLOB-BEGIN ' "$log")
  return $bad
}
