#!/bin/bash
# smb3-ioctl copy --reflink that succeeds (issue 17): ksmbd (stock ksmbd.ko, Debian's ksmbd-tools)
# shares on a loop-mounted XFS made with reflink=1 and on btrfs. FSCTL_DUPLICATE_EXTENTS_TO_FILE
# must give identical content (sha256), no bytes written by the client (/proc/fs/cifs/Stats) and
# extents the server's file system shares (xfs_io fiemap flag 0x2000, filefrag "shared",
# btrfs filesystem du), and the tool's own check (the share's free space did not drop) says
# "verified". On the tmpfs share, where the server cannot clone although ksmbd advertises
# FILE_SUPPORTS_BLOCK_REFCOUNTING on every share, the tool must say so. An unaligned range makes
# ksmbd fall back to copy_file_range behind a success: the tool must report the copy (exit 1), and
# fiemap must agree that nothing is shared. On btrfs the same fallback is proven on the server
# (filefrag), but the tool's check cannot see it (btrfs statfs lags until its commit): a warning.
# Always against ksmbd (6.12 only).
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
. "$LAB_GUEST/ksmbd-server.sh"
lab_start
syslog_start
ksmbd_start

tool=$SMB3KIT_BIN/smb3-ioctl
[ -x "$tool" ] || fail "smb3-ioctl not built ($tool missing)"
check "modprobe cifs failed" modprobe cifs
opts="username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1"
for s in share btrfs tmpfs; do
  mkdir -p "/mnt/$s"
  out=$(mount -t cifs "//127.0.0.1/$s" "/mnt/$s" -o "$opts" 2>&1) || fail "mount of [$s] failed: $out"
done
grep cifs /proc/mounts
mib=$((1024 * 1024))
stats_written() { grep -o 'Bytes written: *[0-9]*' /proc/fs/cifs/Stats | awk '{s += $3} END {print s + 0}'; }
stats_reset() { echo 0 > /proc/fs/cifs/Stats || fail "could not reset /proc/fs/cifs/Stats"; }

# ---------------------------------------------------------------- info: the advertised attribute
step "smb3-ioctl info on the three ksmbd shares"
for s in share btrfs tmpfs; do
  "$tool" info --json "/mnt/$s" > "/run/info-$s.json" 2> /run/info.err || fail "info /mnt/$s exited $?: $(cat /run/info.err)"
  "$tool" info "/mnt/$s" > "/run/info-$s.txt" || fail "info /mnt/$s (text) failed"
  cat "/run/info-$s.txt"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["reflinkSupported"] is True and "SUPPORTS_BLOCK_REFCOUNTING" in r["fileSystemAttributes"]["names"], r["fileSystemAttributes"]' "/run/info-$s.json" \
    || fail "info on ksmbd's [$s] does not report FILE_SUPPORTS_BLOCK_REFCOUNTING"
  grep -q '^Reflink (duplicate extents): advertised (SUPPORTS_BLOCK_REFCOUNTING; ksmbd advertises it on every share' "/run/info-$s.txt" \
    || fail "info [$s] does not say the attribute is only advertised: $(grep '^Reflink' "/run/info-$s.txt")"
  info "info [$s]: $(grep '^Reflink' "/run/info-$s.txt")"
done

# reflink_copy MOUNT DIR NAME: a 64 MiB file made on the server, cloned through the mount.
reflink_copy() {
  local mnt=$1 dir=$2 name=$3 written
  dd if=/dev/urandom of="$dir/src" bs=1M count=64 status=none || fail "dd into $dir failed"
  sync
  stats_reset
  "$tool" copy --reflink --json "$mnt/src" "$mnt/clone" > "/run/$name.json" 2> "/run/$name.err" \
    || fail "copy --reflink on [$name] exited $?: $(cat "/run/$name.err")"
  written=$(stats_written)
  cat "/run/$name.json"; echo
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["method"]=="reflink" and r["serverSide"] is True and r["bytes"]==64*2**20 and r["cloneCheck"]["verdict"]=="noCopySeen", r' "/run/$name.json" \
    || fail "copy --reflink on [$name] did not report a 64 MiB reflink with no copy seen"
  "$tool" copy --reflink "$mnt/src" "$mnt/clone2" > "/run/$name.txt" 2>&1 || fail "copy --reflink (text) on [$name] failed: $(cat "/run/$name.txt")"
  cat "/run/$name.txt"
  grep -q "^no copy seen: the share's free space dropped by .* for 64.0 MiB duplicated (a copy would take about 64.0 MiB; .*check the server's extents to be sure)$" "/run/$name.txt" \
    || fail "copy --reflink on [$name] does not say that no copy was seen: $(cat "/run/$name.txt")"
  rm -f "$dir/clone2"
  [ "$(sha256sum < "$dir/src")" = "$(sha256sum < "$dir/clone")" ] || fail "the clone on [$name] differs from its source"
  [ "$(sha256sum < "$mnt/clone")" = "$(sha256sum < "$dir/src")" ] || fail "the clone read through the mount differs"
  [ "$written" -lt $((64 * mib / 100)) ] || fail "Stats shows $written bytes written by the client for a reflink"
  sync
  echo "Stats bytes written: $written"
}

# ---------------------------------------------------------------- XFS reflink=1
step "copy --reflink on [share] (XFS, reflink=1)"
reflink_copy /mnt/share /srv/share xfs
xfs_io -r -c 'fiemap -v' /srv/share/clone | tee /run/fiemap.txt
# Every data extent of the clone must carry FIEMAP_EXTENT_SHARED (0x2000); the flags are the last column.
python3 - /run/fiemap.txt <<'EOF' || fail "the XFS clone's extents are not shared: $(tr '\n' '|' < /run/fiemap.txt)"
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l.split()[0].rstrip(":").isdigit()]
data = [r for r in rows if r[2] != "hole"]
assert data, "no extents"
assert all(int(r[-1], 16) & 0x2000 for r in data), data
print(len(data), "extents, all shared")
EOF
filefrag -v /srv/share/clone | grep -q 'shared' || fail "filefrag -v does not show shared extents on XFS"
info "XFS: $(head -n1 /run/xfs.txt); sha256 equal, Stats bytes written 0, fiemap: $(python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1]) if l.split() and l.split()[0].rstrip(":").isdigit() and int(l.split()[-1], 16) & 0x2000))' /run/fiemap.txt) extents with 0x2000"

# ---------------------------------------------------------------- btrfs
step "copy --reflink on [btrfs]"
reflink_copy /mnt/btrfs /srv/btrfs btrfs
btrfs filesystem du --raw /srv/btrfs/src /srv/btrfs/clone | tee /run/bdu.txt
# Total  Exclusive  Set shared  Filename: a clone shares all its bytes, owns none.
python3 - /run/bdu.txt <<'EOF' || fail "btrfs filesystem du does not show the clone sharing its extents: $(tr '\n' '|' < /run/bdu.txt)"
import sys
rows = {l.split()[-1]: [int(x) for x in l.split()[:3]] for l in open(sys.argv[1]) if l.split() and l.split()[0].isdigit()}
total, exclusive, shared = rows["/srv/btrfs/clone"]
assert total == 64 * 2**20 and exclusive == 0, rows
print("clone: total", total, "exclusive", exclusive)
EOF
filefrag -v /srv/btrfs/clone | grep -q 'shared' || fail "filefrag -v does not show shared extents on btrfs"
info "btrfs: $(head -n1 /run/btrfs.txt); sha256 equal, btrfs du: $(grep clone /run/bdu.txt | awk '{print "total " $1 " exclusive " $2}')"

# ---------------------------------------------------------------- tmpfs: advertised, impossible
step "copy --reflink on [tmpfs] (ksmbd advertises the attribute, tmpfs cannot clone)"
dd if=/dev/urandom of=/srv/tmpfs/src bs=1M count=4 status=none
"$tool" copy --reflink /mnt/tmpfs/src /mnt/tmpfs/clone > /run/tmpfs.out 2> /run/tmpfs.err; rc=$?
cat /run/tmpfs.out /run/tmpfs.err
[ "$rc" -eq 1 ] || fail "--reflink on tmpfs exited $rc, expected 1"
grep -q 'although the share advertises FILE_SUPPORTS_BLOCK_REFCOUNTING: the file system under the share cannot clone' /run/tmpfs.err \
  || fail "--reflink on tmpfs does not say the file system cannot clone: $(cat /run/tmpfs.err)"
[ "$(wc -l < /run/tmpfs.err)" -eq 1 ] || fail "--reflink error on tmpfs is not one line"
info "tmpfs: exit $rc: $(cat /run/tmpfs.err)"

# ---------------------------------------------------------------- an unaligned range
# ksmbd answers success after vfs_clone_file_range's EINVAL by copying with vfs_copy_file_range:
# neither the status nor the Stats counters (0 bytes written either way) show it.
step "copy --reflink of an unaligned range on [share] (XFS cannot clone it; ksmbd copies behind a success)"
stats_reset
"$tool" copy --reflink --json --offset 1000 --length 8M /mnt/share/src /mnt/share/unaligned > /run/ua.out 2> /run/ua.err; rc=$?
cat /run/ua.out /run/ua.err
written=$(stats_written)
sync
xfs_io -r -c 'fiemap -v' /srv/share/unaligned | tee /run/ua-fiemap.txt
[ "$rc" -eq 1 ] || fail "the unaligned reflink exited $rc, expected 1 (the server copied): $(cat /run/ua.out /run/ua.err)"
grep -q 'FSCTL_DUPLICATE_EXTENTS_TO_FILE succeeded, but the server copied the data instead of sharing extents' /run/ua.err \
  || fail "the unaligned reflink does not report the server's copy: $(cat /run/ua.err)"
cmp -n $((8 * mib)) -i 1000:0 /srv/share/src /srv/share/unaligned || fail "the server's copy differs from the source range"
# The server side agrees: no extent of the destination is shared.
python3 - /run/ua-fiemap.txt <<'EOF' || fail "fiemap shows shared extents although the tool reported a copy"
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l.split()[0].rstrip(":").isdigit()]
data = [r for r in rows if r[2] != "hole"]
assert data and not any(int(r[-1], 16) & 0x2000 for r in data), data
EOF
info "unaligned range on XFS: exit $rc, Stats written $written, fiemap: no shared extent; $(cat /run/ua.err)"

step "the same unaligned range on [btrfs] (btrfs cannot clone it either)"
"$tool" copy --reflink --offset 1000 --length 8M /mnt/btrfs/src /mnt/btrfs/unaligned > /run/ub.out 2> /run/ub.err; rc=$?
cat /run/ub.out /run/ub.err
sync
filefrag -v /srv/btrfs/unaligned | tee /run/ub-frag.txt
cmp -n $((8 * mib)) -i 1000:0 /srv/btrfs/src /srv/btrfs/unaligned || fail "the server's copy on btrfs differs from the source range"
grep -q shared /run/ub-frag.txt && fail "filefrag shows shared extents for an unaligned range on btrfs"
# Known limit (seen on 6.12): btrfs counts the copy's blocks in statfs only at its next
# transaction commit, even after SMB2 FLUSH, so the free-space check sees no drop. The tool must
# then not claim a clone: it says "no copy seen" and that a lazily counting file system can hide a
# copy. Either that, or (should btrfs commit in between) the copy is named.
if [ "$rc" -eq 1 ] && grep -q 'but the server copied the data instead of sharing extents' /run/ub.err; then
  info "unaligned range on btrfs: exit $rc, filefrag: not shared; $(cat /run/ub.err)"
elif [ "$rc" -eq 0 ] && grep -q "^no copy seen: .*btrfs for one, can hide a copy: check the server's extents to be sure)$" /run/ub.out; then
  info "unaligned range on btrfs: ksmbd copied (filefrag: not shared); the tool claims no clone: $(head -n1 /run/ub.out)"
else
  fail "unaligned range on btrfs: neither a named copy nor the no-proof caveat: exit $rc, $(cat /run/ub.out /run/ub.err)"
fi

umount /mnt/share /mnt/btrfs /mnt/tmpfs || fail "umount failed"
pass
