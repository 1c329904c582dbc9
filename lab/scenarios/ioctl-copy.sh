#!/bin/bash
# smb3-ioctl on the real cifs.ko (issue 4): server-side copy of a 256 MiB file and of a range,
# proven by cmp and by /proc/fs/cifs/Stats (the written bytes must stay far below the copied
# size), --reflink refused clearly on Samba's default share, the session check that refuses a
# silent client-side fallback (two mounts with nosharesock), info, query classes equal to
# cifs-utils' smbinfo on the same files, secdesc/quota equal to smbinfo, and exit status 3
# off cifs. ioctl-copy:ksmbd runs the same against ksmbd, whose [share] is XFS with reflink=1: there
# --reflink succeeds (verified by the tool) and info reports the advertised attribute.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
. "$LAB_GUEST/ksmbd-server.sh"
lab_start
syslog_start
lab_server_start lo
server=${LAB_SERVER:-samba}

tool=$SMB3KIT_BIN/smb3-ioctl
[ -x "$tool" ] || fail "smb3-ioctl not built ($tool missing)"
check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/s
opts="username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1"
out=$(mount -t cifs //127.0.0.1/share /mnt/s -o "$opts" 2>&1) || fail "mount failed: $out"
grep ' /mnt/s ' /proc/mounts
export TZ=UTC
info "statfs type of /mnt/s: 0x$(stat -f -c %t /mnt/s)"

# Sum of "Bytes written:" over every share in /proc/fs/cifs/Stats.
stats_written() { grep -o 'Bytes written: *[0-9]*' /proc/fs/cifs/Stats | awk '{s += $3} END {print s + 0}'; }
stats_reset() { echo 0 > /proc/fs/cifs/Stats || fail "could not reset /proc/fs/cifs/Stats"; }
mib=$((1024 * 1024))

# ---------------------------------------------------------------- whole-file server-side copy
step "creating a 256 MiB file on the server's directory (not through the mount)"
dd if=/dev/urandom of=/srv/share/big bs=1M count=256 status=none || fail "dd failed"
chown "$LAB_USER" /srv/share/big
stats_reset
step "smb3-ioctl copy (whole file, CIFS_IOC_COPYCHUNK_FILE)"
"$tool" copy /mnt/s/big /mnt/s/big.copy > /run/copy.out 2> /run/copy.err \
  || fail "copy exited $?: $(cat /run/copy.err)"
written=$(stats_written)
cat /run/copy.out; grep -A12 '^1)' /proc/fs/cifs/Stats
tail -n1 /run/copy.out | grep -q '^copied 268435456 bytes .* via server-side copy (CIFS_IOC_COPYCHUNK_FILE)$' \
  || fail "unexpected final line: $(tail -n1 /run/copy.out)"
cmp /srv/share/big /srv/share/big.copy || fail "whole-file copy differs from the source"
[ "$written" -lt $((256 * mib / 100)) ] || fail "Stats shows $written bytes written for a 256 MiB server-side copy"
info "whole-file copy: $(tail -n1 /run/copy.out); cmp identical; Stats bytes written: $written"
rm -f /srv/share/big.copy

# ---------------------------------------------------------------- range copy (copy_file_range)
stats_reset
step "smb3-ioctl copy --offset 32M --length 192M --dst-offset 4M --json"
"$tool" copy --offset 32M --length 192M --dst-offset 4M --json /mnt/s/big /mnt/s/range > /run/range.json 2> /run/range.err \
  || fail "range copy exited $?: $(cat /run/range.err)"
written=$(stats_written)
cat /run/range.json
python3 - /run/range.json <<'EOF' || fail "range copy JSON is not what was asked"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["bytes"] == 192 * 2**20 and r["method"] == "copy_file_range" and r["serverSide"] is True, r
assert r["fallbackReason"] is None and r["sourceSessionId"] == r["destinationSessionId"], r
EOF
cmp -n $((192 * mib)) -i $((32 * mib)):$((4 * mib)) /srv/share/big /srv/share/range || fail "range copy differs"
size=$(stat -c %s /srv/share/range)
[ "$size" -eq $((196 * mib)) ] || fail "range destination has $size bytes, expected $((196 * mib))"
[ "$written" -lt $((192 * mib / 100)) ] || fail "Stats shows $written bytes written for a 192 MiB range copy"
info "range copy: 192 MiB at 32M -> 4M, cmp identical; Stats bytes written: $written"
rm -f /srv/share/range

# ---------------------------------------------------------------- progress on a terminal
# (guest RAM holds the share: each copy is removed before the next one)
step "progress on a terminal (script(1) gives the copy a pty)"
mountpoint -q /dev/pts || { mkdir -p /dev/pts && mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts; } \
  || fail "cannot mount devpts for script(1)"
script -qfec "$tool copy /mnt/s/big /mnt/s/big.tty" /run/tty1.log > /dev/null || fail "copy under a pty failed: $(tail -c 300 /run/tty1.log)"
cmp /srv/share/big /srv/share/big.tty || fail "pty whole-file copy differs"
rm -f /srv/share/big.tty
script -qfec "$tool copy --length 192M /mnt/s/big /mnt/s/range.tty" /run/tty2.log > /dev/null || fail "range copy under a pty failed"
cmp -n $((192 * mib)) /srv/share/big /srv/share/range.tty || fail "pty range copy differs"
rm -f /srv/share/range.tty
tr '\r' '\n' < /run/tty1.log | grep -E 'running|%' | tail -n 3
tr '\r' '\n' < /run/tty2.log | grep -E '%' | tail -n 3
# The blocking COPYCHUNK call is announced at once (a fast copy may end before the first tick).
tr '\r' '\n' < /run/tty1.log | grep -q '^server-side copy of 256.0 MiB running, ' || fail "the whole-file copy was not announced on the terminal at once"
tr '\r' '\n' < /run/tty2.log | grep -qE '\] 100% 192.0 of 192.0 MiB' || fail "no progress bar for the range copy on a terminal"
"$tool" copy --length 64M /mnt/s/big /mnt/s/range.pipe 2> /run/pipe.err > /dev/null || fail "piped copy failed"
grep -q 'running\|%' /run/pipe.err && fail "progress written although stderr is not a terminal"
rm -f /srv/share/range.pipe
info "progress: whole file: $(tr '\r' '\n' < /run/tty1.log | grep -E 'running|%' | tail -n 1 | tr -d '\033' | sed 's/\[K//g'); range: $(tr '\r' '\n' < /run/tty2.log | grep -E '%' | tail -n 1 | tr -d '\033' | sed 's/\[K//g')"

# ---------------------------------------------------------------- reflink on a share without it
if [ "$server" = samba ]; then
  step "smb3-ioctl copy --reflink (Samba default share: no duplicate extents)"
  "$tool" copy --reflink /mnt/s/big /mnt/s/clone > /run/reflink.out 2> /run/reflink.err; rc=$?
  cat /run/reflink.err
  [ "$rc" -eq 1 ] || fail "--reflink exited $rc, expected 1"
  grep -q 'cannot duplicate extents' /run/reflink.err || fail "--reflink message does not explain: $(cat /run/reflink.err)"
  [ "$(wc -l < /run/reflink.err)" -eq 1 ] || fail "--reflink error is not one line"
  info "reflink refused (exit $rc): $(cat /run/reflink.err)"
else
  step "smb3-ioctl copy --reflink (ksmbd on XFS reflink=1: duplicate extents)"
  stats_reset
  "$tool" copy --reflink /mnt/s/big /mnt/s/clone > /run/reflink.out 2> /run/reflink.err; rc=$?
  cat /run/reflink.out /run/reflink.err
  [ "$rc" -eq 0 ] || fail "--reflink on ksmbd's XFS share exited $rc: $(cat /run/reflink.err)"
  grep -q '^no copy seen: ' /run/reflink.out || fail "--reflink saw a copy or could not tell: $(cat /run/reflink.out)"
  cmp /srv/share/big /srv/share/clone || fail "the clone differs from the source"
  [ "$(stats_written)" -lt $((256 * mib / 100)) ] || fail "Stats shows $(stats_written) bytes written for a reflink"
  info "reflink on ksmbd: $(head -n1 /run/reflink.out)"
fi
rm -f /srv/share/clone

# ---------------------------------------------------------------- another session: no silent fallback
step "second mount with nosharesock (another SMB session)"
mkdir -p /mnt/t
out=$(mount -t cifs //127.0.0.1/share /mnt/t -o "$opts,nosharesock" 2>&1) || fail "second mount failed: $out"
dd if=/dev/urandom of=/srv/share/small bs=1M count=16 status=none
chown "$LAB_USER" /srv/share/small
"$tool" copy --length 16M /mnt/s/small /mnt/t/small.copy > /run/xs.out 2> /run/xs.err; rc=$?
cat /run/xs.err
[ "$rc" -eq 1 ] || fail "cross-session range copy exited $rc, expected 1 (refused)"
grep -q 'different SMB sessions' /run/xs.err || fail "cross-session refusal does not say why: $(cat /run/xs.err)"
stats_reset
"$tool" copy --allow-fallback --json /mnt/s/small /mnt/t/small.copy > /run/xs.json 2> /run/xs.err \
  || fail "--allow-fallback copy exited $?: $(cat /run/xs.err)"
written=$(stats_written)
cat /run/xs.json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["method"]=="client-side" and r["serverSide"] is False and "different SMB sessions" in r["fallbackReason"], r' /run/xs.json \
  || fail "--allow-fallback did not report the client-side path"
cmp /srv/share/small /srv/share/small.copy || fail "fallback copy differs"
[ "$written" -ge $((16 * mib)) ] || fail "client-side fallback wrote only $written bytes according to Stats"
info "other session: refused without --allow-fallback; with it client-side, Stats bytes written: $written"
umount /mnt/t

# ---------------------------------------------------------------- info
step "smb3-ioctl info"
"$tool" info /mnt/s > /run/info.txt 2>&1 || fail "info exited $?: $(cat /run/info.txt)"
cat /run/info.txt
"$tool" info --json /mnt/s > /run/info.json || fail "info --json failed"
python3 - /run/info.json "$server" <<'EOF' || fail "info output is not sane"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["protocol"]["id"] == 0x311 and r["protocol"]["name"] == "SMB 3.1.1", r["protocol"]
assert r["maxBytesChunk"] > 0 and r["treeId"] > 0 and r["sessionId"] > 0, r
assert "CASE_PRESERVED_NAMES" in r["fileSystemAttributes"]["names"], r["fileSystemAttributes"]
assert r["reflinkSupported"] is (sys.argv[2] == "ksmbd") and r["cacheMode"] == "strict", r
EOF
"$tool" info /mnt/s/big > /dev/null || fail "info on a file failed"
info "info: $(grep -E '^(Protocol|Copy chunk size|Session id):' /run/info.txt | tr '\n' ';')"

# ---------------------------------------------------------------- query classes vs smbinfo
mkdir -p /srv/share/dir && echo hello > /srv/share/small.txt && chown -R "$LAB_USER" /srv/share
compare() {  # compare CLASS SMBINFO-SUBCOMMAND PATH
  local cls=$1 sub=$2 path=$3
  smbinfo "$sub" "$path" > /run/smbinfo.txt 2>&1
  "$tool" query "$cls" "$path" --json > /run/ours.json 2> /run/ours.err || fail "query $cls $path exited $?: $(cat /run/ours.err)"
  "$tool" query "$cls" "$path" > /run/ours.txt || fail "query $cls $path (text) failed"
  python3 - "$cls" /run/smbinfo.txt /run/ours.json <<'EOF' || fail "query $cls $path differs from smbinfo $sub: $(cat /run/smbinfo.txt | tr '\n' '|') vs $(cat /run/ours.json)"
import datetime, json, sys
cls, ref, ours = sys.argv[1], open(sys.argv[2]).read(), json.load(open(sys.argv[3]))
fields = dict(l.split(": ", 1) for l in ref.splitlines() if ": " in l)
def num(s): return int(s.split()[0], 0)
def smbinfo_time(nt):  # cifs-utils 7.0's own formula (its sub-second part is mis-scaled)
    usec = (nt / 10) % 1000000
    sec = (nt - 116444736000000000) // 10000000
    return str(datetime.datetime.fromtimestamp(sec + usec / 10000000))
def check(label, value):
    assert label in fields, f"smbinfo printed no {label!r}"
    assert fields[label] == value, f"{label}: smbinfo {fields[label]!r}, ours {value!r}"
if cls == "file-basic":
    for label, key in [("Creation Time", "creationTime"), ("Last Access Time", "lastAccessTime"),
                       ("Last Write Time", "lastWriteTime"), ("Last Change Time", "changeTime")]:
        nt = ours[key]["nt"]
        check(label, smbinfo_time(nt))
        utc = datetime.datetime.fromtimestamp((nt - 116444736000000000) // 10**7, datetime.timezone.utc)
        assert ours[key]["utc"].startswith(utc.strftime("%Y-%m-%dT%H:%M:%S")), (ours[key], utc)
    assert num(fields["File Attributes"]) == ours["attributes"]["value"]
elif cls == "file-standard":
    assert num(fields["Allocation Size"]) == ours["allocationSize"]
    assert num(fields["End Of File"]) == ours["endOfFile"]
    assert num(fields["Number of Links"]) == ours["numberOfLinks"]
    assert num(fields["Delete Pending"]) == int(ours["deletePending"])
    assert num(fields["Delete Directory"]) == int(ours["directory"])
elif cls == "file-internal":
    assert num(fields["Index Number"]) == ours["indexNumber"]
elif cls == "fs-full-size":
    for label, key in [("Total Allocation Units", "totalAllocationUnits"),
                       ("Caller Available Allocation Units", "callerAvailableAllocationUnits"),
                       ("Actual Available Allocation Units", "actualAvailableAllocationUnits"),
                       ("Sectors Per Allocation Unit", "sectorsPerAllocationUnit"), ("Bytes Per Sector", "bytesPerSector")]:
        assert num(fields[label]) == ours[key], (label, fields[label], ours[key])
print(f"{cls}: equal to smbinfo")
EOF
  info "query $cls $path: $(tr '\n' ';' < /run/ours.txt)"
}
step "query file-basic/file-standard/file-internal/fs-full-size vs smbinfo"
for p in /mnt/s/small.txt /mnt/s/big /mnt/s/dir; do
  compare file-basic filebasicinfo "$p"
  compare file-standard filestandardinfo "$p"
  compare file-internal fileinternalinfo "$p"
done
compare fs-full-size filefsfullsizeinfo /mnt/s/small.txt

step "every other query class answers (or fails with a named errno)"
for cls in file-access file-align file-all file-ea file-mode file-position file-stream file-compression; do
  if "$tool" query "$cls" /mnt/s/small.txt > /run/q.txt 2> /run/q.err; then
    info "query $cls: $(tr '\n' ';' < /run/q.txt | cut -c1-200)"
  else
    rc=$?
    [ "$rc" -eq 1 ] && grep -q '(E[A-Z]*)' /run/q.err || fail "query $cls: exit $rc, $(cat /run/q.err)"
    info "query $cls: exit $rc: $(cat /run/q.err)"
  fi
done

# ---------------------------------------------------------------- secdesc and quota vs smbinfo
step "secdesc vs smbinfo -V secdesc"
for p in /mnt/s/small.txt /mnt/s/dir; do
  smbinfo -V secdesc "$p" > /run/smbinfo.txt 2>&1
  "$tool" secdesc --json "$p" > /run/ours.json 2> /run/ours.err || fail "secdesc $p exited $?: $(cat /run/ours.err)"
  "$tool" secdesc "$p"
  python3 - /run/smbinfo.txt /run/ours.json <<'EOF' || fail "secdesc $p differs from smbinfo: $(tr '\n' '|' < /run/smbinfo.txt)"
import json, re, sys
ref = open(sys.argv[1]).read().splitlines()
ours = json.load(open(sys.argv[2]))
fields = dict(l.split(": ", 1) for l in ref if ": " in l and not l.startswith("Type:"))
assert int(fields["Revision"]) == ours["revision"]
assert int(fields["Control"].split()[0], 16) == ours["control"]["value"]
assert fields.get("Owner") == ours["owner"] and fields.get("Group") == ours["group"], (fields, ours)
aces = [l for l in ref if l.startswith("Type:")]
assert len(aces) == len(ours["dacl"]), (aces, ours["dacl"])
for line, ace in zip(aces, ours["dacl"]):
    m = re.match(r"Type: (0x[0-9a-f]+).*?, Flags: (0x[0-9a-f]+).*?, Mask: (0x[0-9a-f]+).*?, SID: (\S+)$", line)
    assert m, line
    assert int(m[1], 16) == ace["type"]["value"] and int(m[2], 16) == ace["flags"]["value"], (line, ace)
    assert int(m[3], 16) == ace["mask"]["value"] and m[4] == ace["sid"], (line, ace)
print("secdesc: equal to smbinfo,", len(aces), "ACEs")
EOF
done

step "quota vs smbinfo quota"
smbinfo quota /mnt/s/small.txt > /run/smbinfo.txt 2>&1
"$tool" quota --json /mnt/s/small.txt > /run/ours.json 2> /run/ours.err; rc=$?
cat /run/smbinfo.txt /run/ours.err
if grep -q 'syscall failed' /run/smbinfo.txt; then
  # Both must fail the same way: smbinfo names the errno number, we name it symbolically.
  [ "$rc" -eq 1 ] || fail "smbinfo quota failed but smb3-ioctl quota exited $rc"
  errno=$(grep -o 'Errno [0-9]*' /run/smbinfo.txt | cut -d' ' -f2)
  name=$(python3 -c "import errno,sys; n = errno.errorcode[int(sys.argv[1])]; print('EOPNOTSUPP' if n == 'ENOTSUP' else n)" "$errno")
  grep -q "($name)" /run/ours.err || fail "smbinfo quota failed with $name, ours: $(cat /run/ours.err)"
  info "quota: both fail with $name: $(cat /run/ours.err)"
else
  [ "$rc" -eq 0 ] || fail "smbinfo quota succeeded but smb3-ioctl quota exited $rc"
  python3 - /run/smbinfo.txt /run/ours.json <<'EOF' || fail "quota differs from smbinfo"
import json, sys
ref = [l.split(": ", 1)[1] for l in open(sys.argv[1]).read().splitlines() if l.startswith("SID: ")]
ours = [e["sid"] for e in json.load(open(sys.argv[2]))["entries"]]
assert ref == ours, (ref, ours)
EOF
  info "quota: $(cat /run/ours.json)"
fi

# ---------------------------------------------------------------- not on cifs
step "every command on a non-cifs path exits 3"
for cmd in "info /tmp" "query file-basic /tmp" "snapshots /tmp" "quota /tmp" "secdesc /tmp" "copy /etc/hostname /tmp/x"; do
  # shellcheck disable=SC2086
  "$tool" $cmd > /dev/null 2> /run/nc.err; rc=$?
  [ "$rc" -eq 3 ] || fail "smb3-ioctl $cmd exited $rc, expected 3: $(cat /run/nc.err)"
  grep -q 'not on a cifs mount' /run/nc.err || fail "smb3-ioctl $cmd: unexpected message $(cat /run/nc.err)"
done
info "non-cifs: exit 3, e.g. $(cat /run/nc.err)"
"$tool" query no-such-class /mnt/s/big 2> /run/usage.err; rc=$?
[ "$rc" -eq 2 ] || fail "a usage error exited $rc, expected 2"

umount /mnt/s || fail "umount failed"
pass
