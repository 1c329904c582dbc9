# shellcheck shell=bash disable=SC2034 # the variables are read by the scripts that source this
# The ONE place that pins the Debian kernel packages the lab boots and builds against.
# Sourced by prepare.sh, run.sh and capture-fixtures.sh; never executed.
#
# Image, headers and linux-source must stay at the SAME Debian version: the witness
# module (prepare.sh --witness) is compiled from linux-source-<series> against
# linux-headers-<abi>, and the result must load into the image's kernel (vermagic and
# modversions are checked at insmod time).
#
# To update: run lab/pick-versions.sh, copy its output here, then
#   lab/prepare.sh --kernel all --witness && lab/run.sh ntlm-multichannel kerberos-mount witness-module
# A cache entry is keyed by these values, so old entries are simply no longer used
# (delete ${SMB3KIT_CACHE:-$HOME/.cache/smb3kit}/lab/ to reclaim the space).

# 6.12 from bookworm-security: the default lab kernel. It has the upcall_target mount
# option, so its cifs.spnego key descriptions end with ";upcall_target=app|mount".
KVER_612=6.12.117+deb12-amd64          # uname -r of the guest = ABI name of the packages
DEBVER_612=6.12.117-1~deb12u1          # Debian version of image, headers and source
SERIES_612=6.12                        # linux-source-<series>, /usr/src/linux-source-<series>.tar.xz

# 6.1 from bookworm(-security): the Debian 12 stock kernel. No upcall_target, DebugData
# prints "Speed: <n> bps".
KVER_61=6.1.0-56-amd64
DEBVER_61=6.1.192-2
SERIES_61=6.1

# Maps a short kernel name (6.12 | 6.1) to the pinned triple; prints "KVER DEBVER SERIES".
lab_kernel_pins() {
  case "$1" in
    6.12) echo "$KVER_612 $DEBVER_612 $SERIES_612" ;;
    6.1) echo "$KVER_61 $DEBVER_61 $SERIES_61" ;;
    *) echo "unknown kernel '$1' (expected 6.12 or 6.1)" >&2; return 2 ;;
  esac
}

LAB_KERNELS="6.12 6.1"
LAB_DEFAULT_KERNEL=6.12
