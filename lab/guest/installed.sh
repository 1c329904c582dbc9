# shellcheck shell=bash
# What the installed-* scenarios share (systemd guest, package installed by installed-run.sh).
# Each installed_* set-up is idempotent: a scenario runs alone or after the others in one guest,
# and the second one to ask gets what the first set up. Programs are the package's (/usr/sbin,
# /usr/bin, /usr/libexec) and units the package's (/lib/systemd/system): never the build tree.

LAB_STATE=/run/lab-state
mkdir -p "$LAB_STATE"

# installed_lab_start: the scenario's start; fails unless PID 1 is systemd and the package is in.
installed_lab_start() {
  lab_start
  [ -n "$LAB_UNDER_SYSTEMD" ] || fail "installed-* scenarios run in the systemd guest (lab/run.sh boots it for them)"
  dpkg-query -W -f='${Status}' smb3kit 2>/dev/null | grep -q 'install ok installed' || fail "the smb3kit package is not installed"
  local p
  for p in /usr/sbin/smb3-upcall /usr/sbin/smb3-witnessd /usr/bin/smb3-ioctl /usr/bin/smb3-ifaces /usr/libexec/smb3kit/smb3-upcall-full; do
    [ -x "$p" ] || fail "$p is not installed by the package"
    dpkg -S "$p" >/dev/null 2>&1 || fail "$p does not belong to the package"
  done
}

# journal_has SECONDS ARGS...: polls journalctl ARGS (matches, -t ...) of this boot until a line
# comes (journald writes asynchronously).
journal_has() {
  local secs=$1; shift
  wait_for "$secs" sh -c 'journalctl -b -q --no-pager "$@" | grep -q .' _ "$@"
}

# The cifs.ko of this boot: the witness-capable build (it is the stock one plus cifs_swn), so the
# Kerberos and the witness scenarios share one module.
installed_cifs() {
  lsmod | grep -q '^cifs ' && return 0
  [ -f "${LAB_WITNESS_KO:-}" ] || fail "no witness cifs.ko ($LAB_WITNESS_KO)"
  local m
  for m in $(modinfo -F depends "$LAB_WITNESS_KO" | tr ',' ' '); do modprobe "$m" || fail "modprobe $m failed"; done
  insmod "$LAB_WITNESS_KO" || fail "insmod of the witness cifs.ko failed"
}

# The KDC and Samba with a keytab (services.sh), once per guest; their logs go to journald.
installed_kerberos() {
  [ -e "$LAB_STATE/kerberos" ] && return 0
  hosts_setup
  kdc_setup
  ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
  samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000"' krb5
  installed_cifs
  touch "$LAB_STATE/kerberos"
}

# The active "create cifs.spnego" lines of request-key's configuration, as FILE:LINE:TEXT.
spnego_lines() {
  grep -Hn -E '^[[:space:]]*create[[:space:]]+cifs\.spnego[[:space:]]' /etc/request-key.conf /etc/request-key.d/*.conf 2>/dev/null
}
