#!/bin/bash
# The one job of the systemd guest (smb3kit-lab.service, see systemd-boot.sh): installs the
# package with dpkg -i, then runs each scenario named by smb3kit.scenarios= (comma separated)
# as a process of its own, in order, so that a failed one does not stop the next; the scenarios
# share the guest and whatever the earlier ones set up. Powers the guest off at the end.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
LAB_SCENARIO=installed-run
scenarios=${LAB_SCENARIOS:-}
trap lab_poweroff EXIT
# The guest-side watchdog: reports and powers off before the host's timeout kills qemu.
(
  sleep "$LAB_WATCHDOG"
  echo "LAB-FAIL $scenarios: guest watchdog fired after ${LAB_WATCHDOG}s"
  journalctl -b --no-pager | tail -n 150
  echo "LAB-DONE $(lab_uptime)s"
  poweroff -f
) &

hostname labguest
step "systemd reached smb3kit-lab.target: $(systemctl is-system-running 2>&1); journald $(systemctl is-active systemd-journald), udevd $(systemctl is-active systemd-udevd)"
failed_units=$(systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')
[ -z "$failed_units" ] || warn "failed units at start: $failed_units"

install_failed=
if [ -z "${LAB_DEB:-}" ] || [ ! -f "$LAB_DEB" ]; then
  install_failed="no package at '${LAB_DEB:-}' (make deb)"
elif dpkg-query -W -f='${Status}' smb3kit 2>/dev/null | grep -q 'ok installed'; then
  install_failed="smb3kit is already installed on the host; the guest must install it itself"
else
  # The guest's root is this machine's, a container image: its policy-rc.d forbids maintainer
  # scripts to start services (exit 101), which a Debian machine does not. Without it dpkg -i
  # does what it does on a user's machine. man-db's trigger would re-index every manual page of
  # the image over emulated 9p (minutes); its documented switch turns it off.
  rm -f /usr/sbin/policy-rc.d /var/lib/man-db/auto-update
  step "dpkg -i $(basename "$LAB_DEB")"
  if DEBIAN_FRONTEND=noninteractive dpkg -i "$LAB_DEB" > /run/dpkg-install.log 2>&1; then
    sed 's/^/dpkg: /' /run/dpkg-install.log
    step "installed: $(dpkg-query -W -f='${Package} ${Version} ${Status}' smb3kit)"
  else
    cat /run/dpkg-install.log
    install_failed="dpkg -i failed: $(tail -n 1 /run/dpkg-install.log)"
  fi
fi
if [ -z "$install_failed" ]; then
  # The installed units' exposure as systemd rates it (README: "systemd units").
  for u in smb3-upcall.service smb3-upcall-keytab@root.service smb3-witnessd.service smb3-ifaces.service; do
    info "systemd-analyze security: $(systemd-analyze security --no-pager "$u" 2>&1 | tail -n 1 | sed 's/^→ //')"
  done
fi
for s in ${scenarios//,/ }; do
  if [ -n "$install_failed" ]; then
    echo "LAB-FAIL $s: $install_failed"
    continue
  fi
  t=$(lab_uptime)
  cursor=$(journalctl -n 0 --show-cursor --no-pager 2>/dev/null | sed -n 's/^-- cursor: //p')
  bash "$LAB_REPO/lab/scenarios/$s.sh" < /dev/null
  rc=$?
  info "$s took $(awk -v a="$t" -v b="$(lab_uptime)" 'BEGIN { printf "%.0f", b - a }')s (exit $rc)"
  if [ "$rc" -ne 0 ]; then
    echo "----- journal of $s (tail) -----"
    journalctl -b --no-pager ${cursor:+--after-cursor="$cursor"} | tail -n 150
    echo "----- end of journal -----"
  fi
done
