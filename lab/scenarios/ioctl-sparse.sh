#!/bin/bash
# smb3-ioctl sparse, set-sparse and zero on the real cifs.ko (issue 17, item 4: the VM-image TRIM
# case), against Samba (default) or ksmbd (ioctl-sparse:ksmbd), each serving a share on a
# loop-mounted XFS: a file is marked sparse (set-sparse, read back from the server), grown to a
# 1 GiB image (the server allocates nothing), 2 x 64 MiB are written, `sparse` lists exactly the
# data ranges the server's own SEEK_DATA/SEEK_HOLE finds on the backing file, and `zero` frees
# ranges: the backing file's st_blocks drop by the range, the range reads as zeros, the rest is
# intact. Samba only: a share with "store dos attributes = no" refuses FSCTL_SET_SPARSE;
# set-sparse and zero say so, and DebugData shows cifs.ko's nosparse mark.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
. "$LAB_GUEST/ksmbd-server.sh"
lab_start
syslog_start

tool=$SMB3KIT_BIN/smb3-ioctl
[ -x "$tool" ] || fail "smb3-ioctl not built ($tool missing)"
mib=$((1024 * 1024))
gib=$((1024 * mib))
opts="username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1"
mkdir -p /mnt/sp /mnt/ns

if [ "${LAB_SERVER:-samba}" = ksmbd ]; then
  # ksmbd's [share] is an XFS (reflink=1) on a loop device at /srv/share (guest/ksmbd-server.sh).
  ksmbd_start
  share=share backdir=/srv/share
else
  # An XFS on a sparse 2 GiB image in the guest's tmpfs: real extents, st_blocks and SEEK_DATA.
  step "XFS on a loop device"
  check "modprobe loop failed" modprobe loop
  check "modprobe xfs failed" modprobe xfs
  truncate -s 2G /tmp/xfs.img
  mkfs.xfs -q /tmp/xfs.img || fail "mkfs.xfs failed"
  mkdir -p /srv/xfs
  mount -o loop /tmp/xfs.img /srv/xfs || fail "mount of the XFS image failed"
  mkdir -p /srv/xfs/sparse /srv/xfs/nosparse
  chmod 777 /srv/xfs/sparse /srv/xfs/nosparse
  lab_server_start lo
  cat >> "$LAB_SMB_CONF" <<EOF
[sparse]
  path = /srv/xfs/sparse
  read only = no
[nosparse]
  path = /srv/xfs/nosparse
  read only = no
  store dos attributes = no
EOF
  smbcontrol smbd reload-config || warn "smbcontrol reload-config failed"
  share=sparse backdir=/srv/xfs/sparse
fi
check "modprobe cifs failed" modprobe cifs
out=$(mount -t cifs "//127.0.0.1/$share" /mnt/sp -o "$opts" 2>&1) || fail "mount of [$share] failed: $out"

# blocks FILE: st_blocks (512-byte units) of the server's backing file.
blocks() { stat -c %b "$1"; }
# server_ranges FILE: the data ranges of the backing file, by SEEK_DATA/SEEK_HOLE on the server.
server_ranges() {
  python3 - "$1" <<'EOF'
import json, os, sys
fd, ranges, off = os.open(sys.argv[1], os.O_RDONLY), [], 0
size = os.fstat(fd).st_size
while off < size:
    try:
        data = os.lseek(fd, off, os.SEEK_DATA)
    except OSError:
        break
    hole = os.lseek(fd, data, os.SEEK_HOLE)
    ranges.append({"offset": data, "length": hole - data})
    off = hole
print(json.dumps(ranges))
EOF
}
# same_ranges TOOL_JSON SERVER_RANGES: the tool's dataRanges equal the server's.
same_ranges() {
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["dataRanges"]; s=json.loads(sys.argv[2]); sys.exit(0 if t == s else "tool %s, server %s" % (t, s))' "$1" "$2"
}

img=/mnt/sp/vm.img back=$backdir/vm.img
# ---------------------------------------------------------------- set-sparse
step "set-sparse on an empty file"
: > "$img" || fail "could not create $img"
"$tool" sparse --json "$img" > /run/s0.json 2> /run/s0.err || fail "sparse exited $?: $(cat /run/s0.err)"
cat /run/s0.json; echo
# Samba creates files without the attribute; ksmbd marks every new file sparse (seen with
# ksmbd-tools 3.4.7 on 6.12), so there set-sparse finds it already set.
new_sparse=False was="was not sparse"
[ "${LAB_SERVER:-samba}" = ksmbd ] && new_sparse=True was="it already was"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["sparse"] is (sys.argv[2] == "True") and r["size"] == 0, r' /run/s0.json "$new_sparse" \
  || fail "a new file on ${LAB_SERVER:-samba} should have sparse=$new_sparse: $(cat /run/s0.json)"
info "a new file on ${LAB_SERVER:-samba}: $(head -c 120 /run/s0.json)"
"$tool" set-sparse "$img" > /run/ss.txt 2> /run/ss.err || fail "set-sparse exited $?: $(cat /run/ss.err)"
cat /run/ss.txt
grep -q "^$img: sparse ($was); attributes 0x[0-9a-f]* (.*SPARSE_FILE.*)$" /run/ss.txt || fail "unexpected set-sparse report: $(cat /run/ss.txt)"
"$tool" set-sparse --json "$img" > /run/ss2.json 2> /run/ss2.err || fail "second set-sparse exited $?: $(cat /run/ss2.err)"
grep -q '"wasSparse":true' /run/ss2.json || fail "second set-sparse should say it already was: $(cat /run/ss2.json)"
su -s /bin/sh "$LAB_USER" -c "$tool set-sparse $img" > /dev/null 2> /run/ss-user.err; rc=$?
[ "$rc" -eq 1 ] && grep -q 'needs CAP_SYS_ADMIN' /run/ss-user.err || fail "set-sparse as $LAB_USER: exit $rc, $(cat /run/ss-user.err)"
info "set-sparse: $(cat /run/ss.txt); again: $(cat /run/ss2.json); as $LAB_USER: $(cat /run/ss-user.err)"

# ---------------------------------------------------------------- a 1 GiB image with 128 MiB of data
step "grow to 1 GiB and write 2 x 64 MiB"
truncate -s 1G "$img" || fail "truncate failed"
[ "$(stat -c %s "$back")" -eq "$gib" ] || fail "backing file is $(stat -c %s "$back") bytes, not 1 GiB"
b_empty=$(blocks "$back")
[ "$b_empty" -lt 2048 ] || fail "the empty 1 GiB image already uses $b_empty blocks on the server"
dd if=/dev/urandom of="$img" bs=1M count=64 conv=notrunc,fsync status=none || fail "dd at 0 failed"
dd if=/dev/urandom of="$img" bs=1M count=64 seek=512 conv=notrunc,fsync status=none || fail "dd at 512M failed"
b_full=$(blocks "$back")
info "server: 1 GiB image uses $b_empty blocks empty, $b_full blocks after 128 MiB of writes (du: $(du -B1 "$back" | cut -f1) bytes)"
[ "$b_full" -ge $((128 * mib / 512)) ] && [ "$b_full" -lt $((136 * mib / 512)) ] || fail "after 128 MiB of writes the backing file uses $b_full blocks"
"$tool" sparse --json "$img" > /run/s1.json 2> /run/s1.err || fail "sparse exited $?: $(cat /run/s1.err)"
"$tool" sparse "$img" > /run/s1.txt || fail "sparse (text) failed"
cat /run/s1.txt
srv=$(server_ranges "$back")
same_ranges /run/s1.json "$srv" || fail "sparse ranges differ from the server's SEEK_DATA/SEEK_HOLE"
python3 - /run/s1.json "$((b_full * 512))" <<'EOF' || fail "sparse report is wrong: $(cat /run/s1.json)"
import json, sys
r, server_bytes = json.load(open(sys.argv[1])), int(sys.argv[2])
mib = 2**20
assert r["sparse"] is True and r["rangesFromServer"] is True and r["rangesComplete"] is True, r
assert r["size"] == 2**30, r
covered = lambda a, b: any(x["offset"] <= a and b <= x["offset"] + x["length"] for x in r["dataRanges"])
assert covered(0, 64 * mib) and covered(512 * mib, 576 * mib), r["dataRanges"]
assert 128 * mib <= r["dataBytes"] < 136 * mib and r["holeBytes"] == 2**30 - r["dataBytes"], r
# The server's AllocationSize is its st_blocks (Samba: rounded up to "allocation roundup size").
assert server_bytes <= r["allocationSize"] <= server_bytes + mib, (r["allocationSize"], server_bytes)
print("sparse:", len(r["dataRanges"]), "ranges,", r["dataBytes"], "data bytes; allocation", r["allocationSize"])
EOF
info "sparse: $(sed -n 4p /run/s1.txt); equal to the server's SEEK_DATA/SEEK_HOLE: $srv"

# ---------------------------------------------------------------- zero (punch holes)
step "zero 64 MiB at 512 MiB and 16 MiB at 8 MiB"
sum_head=$(dd if="$back" bs=1M count=8 status=none | sha256sum)
sum_tail=$(dd if="$back" bs=1M skip=24 count=40 status=none | sha256sum)
"$tool" zero --json "$img" 512M 64M > /run/z1.json 2> /run/z1.err || fail "zero exited $?: $(cat /run/z1.err)"
cat /run/z1.json; echo
b_z1=$(blocks "$back")
"$tool" zero "$img" 8M 16M > /run/z2.txt 2> /run/z2.err || fail "zero (text) exited $?: $(cat /run/z2.err)"
cat /run/z2.txt
b_z2=$(blocks "$back")
info "server blocks: $b_full before, $b_z1 after zeroing 64 MiB at 512 MiB, $b_z2 after 16 MiB at 8 MiB"
[ $((b_full - b_z1)) -eq $((64 * mib / 512)) ] || fail "zeroing 64 MiB freed $(((b_full - b_z1) * 512)) bytes on the server"
[ $((b_z1 - b_z2)) -eq $((16 * mib / 512)) ] || fail "zeroing 16 MiB freed $(((b_z1 - b_z2) * 512)) bytes on the server"
python3 - /run/z1.json "$((b_full * 512))" "$((b_z1 * 512))" <<'EOF' || fail "zero report is wrong: $(cat /run/z1.json)"
import json, sys
r, before, after = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
mib = 2**20
assert r["offset"] == 512 * mib and r["length"] == 64 * mib and r["size"] == 2**30, r
assert r["freedBytes"] == 64 * mib, r
assert before <= r["allocationBefore"] <= before + mib and after <= r["allocationAfter"] <= after + mib, r
EOF
grep -q '16.0 MiB freed' /run/z2.txt || fail "zero text does not report 16 MiB freed: $(cat /run/z2.txt)"
cmp -n $((64 * mib)) -i $((512 * mib)):0 "$back" /dev/zero || fail "the zeroed range at 512 MiB is not zeros on the server"
cmp -n $((16 * mib)) -i $((8 * mib)):0 "$back" /dev/zero || fail "the zeroed range at 8 MiB is not zeros on the server"
[ "$(dd if="$back" bs=1M count=8 status=none | sha256sum)" = "$sum_head" ] || fail "data before the hole changed"
[ "$(dd if="$back" bs=1M skip=24 count=40 status=none | sha256sum)" = "$sum_tail" ] || fail "data after the hole changed"
cmp -n $((64 * mib)) "$img" "$back" || fail "the client reads other bytes than the server holds"
"$tool" sparse --json "$img" > /run/s2.json || fail "sparse after zero failed"
srv=$(server_ranges "$back")
same_ranges /run/s2.json "$srv" || fail "sparse ranges after zero differ from the server's"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); mib = 2**20
assert r["dataBytes"] == 48 * mib and r["dataRanges"] == [{"offset": 0, "length": 8 * mib}, {"offset": 24 * mib, "length": 40 * mib}], r
' /run/s2.json || fail "after zero the data ranges are not [0,8M) and [24M,64M): $(cat /run/s2.json)"
info "zero: $(tail -n1 /run/z2.txt); ranges now $srv (server and tool agree)"

if [ "${LAB_SERVER:-samba}" = ksmbd ]; then
  umount /mnt/sp
  pass
fi

# ---------------------------------------------------------------- a share that refuses
step "a share without DOS attributes refuses FSCTL_SET_SPARSE"
out=$(mount -t cifs //127.0.0.1/nosparse /mnt/ns -o "$opts" 2>&1) || fail "mount of [nosparse] failed: $out"
dd if=/dev/urandom of=/mnt/ns/disk.img bs=1M count=8 conv=fsync status=none || fail "dd to [nosparse] failed"
"$tool" set-sparse /mnt/ns/disk.img > /dev/null 2> /run/ns1.err; rc=$?
cat /run/ns1.err
[ "$rc" -eq 1 ] && grep -q '(EOPNOTSUPP); the server refused FSCTL_SET_SPARSE: it cannot mark files sparse on this share' /run/ns1.err \
  || fail "set-sparse on [nosparse]: exit $rc, $(cat /run/ns1.err)"
grep -q ' nosparse' /proc/fs/cifs/DebugData && fail "DebugData shows nosparse before any punch (the passthrough must not set it)"
"$tool" zero /mnt/ns/disk.img 1M 1M > /dev/null 2> /run/ns2.err; rc=$?
cat /run/ns2.err
[ "$rc" -eq 1 ] && grep -q '(EOPNOTSUPP); the server refused to punch the hole' /run/ns2.err \
  || fail "zero on [nosparse]: exit $rc, $(cat /run/ns2.err)"
grep -q ' nosparse' /proc/fs/cifs/DebugData || fail "DebugData does not show nosparse after the refused punch"
b_ns=$(blocks /srv/xfs/nosparse/disk.img)
[ "$b_ns" -ge $((8 * mib / 512)) ] || fail "the refused punch freed blocks anyway ($b_ns)"
"$tool" sparse /mnt/ns/disk.img | head -n1 | grep -q ': not sparse,' || fail "sparse on [nosparse] should say not sparse"
info "[nosparse]: set-sparse: $(cat /run/ns1.err); zero: $(cat /run/ns2.err); DebugData: $(grep -o 'tid: .* nosparse' /proc/fs/cifs/DebugData | head -n1)"
umount /mnt/ns /mnt/sp
pass
