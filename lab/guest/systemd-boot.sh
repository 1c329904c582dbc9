#!/bin/bash
# The guest's PID 1 in the systemd lab mode (lab-recipe.md §14): prepares the guest as every
# guest is prepared (fresh /run, /tmp, state directories, this kernel's modules), writes a target
# whose one job is lab/guest/installed-run.sh, and becomes systemd. The runner installs the
# package with dpkg -i and runs the scenarios named by smb3kit.scenarios= one after another,
# against the installed programs and units only, then powers the guest off.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
LAB_SCENARIO=systemd-boot
lab_fresh_dirs
echo "LAB-INIT systemd guest: $(uname -r) kernel=$LAB_KERNEL, $(/lib/systemd/systemd --version | head -n 1)"

units=/run/systemd/system
mkdir -p "$units"
cat > "$units/smb3kit-lab.target" <<UNIT
[Unit]
Description=SMB3Kit lab scenarios
Requires=basic.target smb3kit-lab.service
After=basic.target
AllowIsolate=yes
UNIT
# The runner's output goes to the serial console as written (the host reads LAB- lines there);
# journal+console would prefix each line.
cat > "$units/smb3kit-lab.service" <<UNIT
[Unit]
Description=SMB3Kit lab scenario runner
After=basic.target systemd-udevd.service systemd-journald.service
[Service]
Type=oneshot
ExecStart=/bin/bash $LAB_GUEST/installed-run.sh
StandardInput=null
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
TimeoutStartSec=infinity
UNIT
# The host's timers (apt, man-db, fstrim, ...) would start their jobs in the guest: masked for
# this boot only. systemd-sysctl would raise the console log level again.
for f in /etc/systemd/system/timers.target.wants/*.timer; do
  [ -e "$f" ] && ln -sf /dev/null "$units/$(basename "$f")"
done
ln -sf /dev/null "$units/systemd-sysctl.service"
# systemd-tmpfiles-setup empties /tmp at boot (tmp.conf's `D /tmp`): a clone that lives under /tmp
# (lab_fresh_dirs then keeps the host's /tmp) would vanish from the guest before the runner starts.
# /run/tmpfiles.d/tmp.conf overrides the packaged file for this boot: create /tmp, remove nothing.
mkdir -p /run/tmpfiles.d
echo 'd /tmp 1777 root root -' > /run/tmpfiles.d/tmp.conf
# systemd makes / recursively shared at boot, so that a unit's own mount namespace (PrivateMounts=,
# ProtectSystem=, ...) still sees later mounts as a slave; but it skips that when it detects a
# container, and the host's /.dockerenv shows through the guest's 9p root. Done here instead, as on
# an installed machine: smb3-witnessd's status reads the cifs mounts from its own mount table.
mount --make-rshared /
exec /lib/systemd/systemd --unit=smb3kit-lab.target --log-target=kmsg --show-status=no
