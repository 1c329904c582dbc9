#!/usr/bin/env bash
# make install twice into a staging directory, with the request-key line switched on in
# between (what `smb3-upcall --set-handler smb3-upcall` does): the second install must keep the
# admin's file, or the host is left with no active cifs.spnego handler. Needs the release
# binaries, man pages and completions (make build man completions; make deb makes them too).
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install_once() {
  make -s --no-print-directory install -o build -o man -o completions DESTDIR="$stage" PREFIX=/usr SYSCONFDIR=/etc >/dev/null
}
conf=$stage/etc/request-key.d/smb3kit.spnego.conf
install_once
[ "$(grep -c '^create' "$conf")" = 0 ] || { echo "FAIL: a fresh install has an active request-key line"; exit 1; }
sed -i 's/^#create/create/' "$conf"
install_once
[ "$(grep -c '^create' "$conf")" = 1 ] || { echo "FAIL: make install overwrote the admin's $conf"; exit 1; }
echo "PASS: make install keeps an existing smb3kit.spnego.conf"
