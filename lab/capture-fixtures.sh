#!/usr/bin/env bash
# Boots lab guests and writes REAL captured bytes into Tests/SMB3ProtocolTests/Fixtures/lab/:
#   debugdata-<kernel>-ntlm-multichannel.txt   /proc/fs/cifs/DebugData of scenario A, verbatim
#   debugdata-<kernel>-kerberos*.txt           DebugData of Kerberos mounts
#   keydesc-<kernel>-krb5-*.txt                cifs.spnego key descriptions, exactly as
#                                              `keyctl rdescribe` prints them in the handler
# and keeps the README's table of captures (file, kernel, how) up to date.
#
#   lab/capture-fixtures.sh [--kernel 6.12|6.1|all] [--only debugdata|keydesc] [--out DIR]
#
# Every capture has fresh volatile values (ClientGUID, SessionId, tid, pid=, "Last updated"),
# and tests pin some of them: rewriting the committed fixtures means updating those tests.
# --out DIR writes somewhere else (e.g. to compare a new kernel's output first).
#
# Files travel base64-encoded between markers on the serial console and are checked
# against the guest's sha256 before they are written. Default: all kernels, everything,
# DebugData of the NTLM mount first (the DebugData parser's developer waits for it).
set -euo pipefail
# shellcheck source=lib-host.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-host.sh"

kernels=all only="" out_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernels=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) lab_die "unknown argument '$1' (see --help)" ;;
  esac
done
[ "$kernels" = all ] && kernels=$LAB_KERNELS
FIX=${out_dir:-$LAB_REPO/Tests/SMB3ProtocolTests/Fixtures/lab}
mkdir -p "$FIX" "$LAB_OUT"
for k in $kernels; do lab_prepare "$k"; done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
failed=0
captured=()
# capture KERNEL GUEST_SCRIPT [cmdline words]: one boot; decodes its blobs into $FIX.
capture() {
  local k=$1 script=$2 log names
  shift 2
  log=$LAB_OUT/capture-$(basename "$script" .sh)-$k-$stamp.log
  lab_log "capture: $(basename "$script") on $k (log: $log)"
  lab_boot "$k" "$script" "$log" 600 "$@" || lab_log "qemu/timeout exit status $? for $(basename "$script") on $k"
  if ! names=$(lab_extract_blobs "$log" "$FIX"); then failed=1; fi
  if [ -z "$names" ]; then
    lab_log "capture: no blobs from $(basename "$script") on $k; tail of $log:"
    tail -n 40 "$log" >&2
    failed=1
    return 0
  fi
  lab_log "wrote: $(echo "$names" | tr '\n' ' ')"
  captured+=("$log")
}

if [ "$only" != keydesc ]; then
  for k in $kernels; do capture "$k" "$LAB_DIR/scenarios/ntlm-multichannel.sh" smb3kit.capture=1; done
fi
if [ "$only" != debugdata ]; then
  for k in $kernels; do capture "$k" "$LAB_DIR/guest/capture-kerberos.sh"; done
fi

# README: a fixed preamble plus one table row per fixture file. Rows of files captured in
# this run are replaced; rows of files not recaptured are kept as they were.
readme=$FIX/README.md
rows=$(mktemp)
if [ -f "$readme" ]; then sed -n '/^<!-- captures:begin -->$/,/^<!-- captures:end -->$/p' "$readme" | grep '^| `' > "$rows" || true; fi
samba_ver=$(dpkg-query -W -f='${Version}' samba)
cifsutils_ver=$(dpkg-query -W -f='${Version}' cifs-utils)
for log in "${captured[@]}"; do
  krel=$(sed -n 's/^LAB-STEP [0-9.]*s guest up: \([^ ]*\) .*/\1/p' "$log" | head -n1)
  # NTLM DebugData: the scenario does not print LAB-CAPTURE (it is a test, too); describe it here.
  while read -r _ name _ _; do
    case "$name" in
      debugdata-*-ntlm-multichannel.txt)
        how="$krel: mount -t cifs //127.0.0.1/share /mnt/s -o username=alice,password=secret,multichannel,max_channels=2,vers=3.1.1; Samba interfaces = \"127.0.0.1;speed=10000000000,capability=RSS\" \"127.0.0.2;speed=1000000000\"; copied once the second channel was up (lab/scenarios/ntlm-multichannel.sh)" ;;
      *) how=$(grep -m1 "^LAB-CAPTURE $name " "$log" | cut -d' ' -f3-) ;;
    esac
    [ -f "$FIX/$name" ] || continue
    grep -v "^| \`$name\` |" "$rows" > "$rows.new" || true
    # shellcheck disable=SC2016 # the backquotes are Markdown
    printf '| `%s` | %s | samba %s, cifs-utils %s, %s |\n' "$name" "${how//|/\\|}" "$samba_ver" "$cifsutils_ver" "$(date -u +%F)" >> "$rows.new"
    mv "$rows.new" "$rows"
  done < <(grep '^LAB-BLOB-BEGIN ' "$log")
done
{
  cat <<'EOF_README'
# Lab captures (real kernel output)

Captured by `lab/capture-fixtures.sh` in the QEMU lab (`lab/`): Debian kernels booted
under TCG, Samba, an MIT KDC and the reference `cifs.upcall` (cifs-utils) all inside the
guest, on loopback. Files are byte-exact: they travelled base64-encoded over the serial
console and were checked against a sha256 computed in the guest. Regenerate with
`lab/capture-fixtures.sh` (values such as SessionId, ClientGUID, tid, credits, pid= and
"Last updated" differ on every capture).

- `debugdata-*.txt`: `/proc/fs/cifs/DebugData` copied with `cp` while the mount was up.
  Tabs and trailing spaces are significant.
- `keydesc-*.txt`: the `cifs.spnego` key description as the upcall handler sees it:
  the output of `keyctl rdescribe <key>` (`type;uid;gid;perm;description` plus a newline),
  written by a wrapper named in `/etc/request-key.d/cifs.spnego.conf`
  (`create cifs.spnego * * /run/lab-upcall.sh %k`), which then ran `/usr/sbin/cifs.upcall`.
  Every mount ran as root with `cruid=` set to alice's uid, alice holding a ticket for
  `cifs/smb.test.lan@TEST.LAN`; `smb.test.lan` resolves to 127.0.0.1 through `/etc/hosts`.
  mount.cifs passes `username=root` when no user is given, so the description without
  `user=` comes from calling mount(2) directly.
- Observed: on 6.1 the extra channel's upcall of a Kerberos multichannel mount carries an
  empty `host=` (`keydesc-6.1-krb5-multichannel-ch2.txt`); cifs.upcall 7.0 rejects it, the
  kernel retries and the mount stays on one channel. 6.12 sends the hostname and opens the
  channel. 6.1 also refuses a mount with no username option at all ("No username
  specified") before any upcall; its `-nouser` capture therefore used an empty `user=`.
- The `<kernel>` in a name is the lab's short name: `6.12` = Debian `6.12.*+deb12-amd64`
  (bookworm-security, has `upcall_target=`), `6.1` = Debian `6.1.0-*-amd64`; the exact
  release is in the table.

| File | Kernel release and how it was captured | Userland, date |
|---|---|---|
<!-- captures:begin -->
EOF_README
  sort -t'`' -k2,2 "$rows"
  echo '<!-- captures:end -->'
} > "$readme.tmp"
mv "$readme.tmp" "$readme"
rm -f "$rows"
lab_log "fixtures in $FIX:"
ls -l "$FIX" >&2
exit $failed
