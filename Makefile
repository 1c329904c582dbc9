# SMB3Kit: two commands on a fresh Debian 12 machine.
#   make demo   - installs what it needs, builds, boots the lab and shows the toolkit on a real cifs mount
#   make test   - unit tests, bounded fuzzing and every lab scenario; ends with "N passed, M failed"

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
UDEVDIR ?= $(PREFIX)/lib/udev/rules.d

SWIFT ?= swift
# lld with packed relative relocations (DT_RELR, glibc >= 2.36): the static stdlib brings ~45,000
# relative relocations that ld.so would otherwise apply at every start, and the upcall is
# started once per session setup. The binaries stay position-independent (ASLR).
LINK_FLAGS = -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs
# No $ORIGIN run path: nothing of ours is a shared library, and a root helper should not look for
# libkrb5 next to itself first (ld.so tried a dozen paths there for each library, every start).
RELEASE_FLAGS = -c release --static-swift-stdlib --disable-local-rpath $(LINK_FLAGS)
RELEASE_DIR = .build/release
SBIN_PROGRAMS = smb3-upcall smb3-witnessd
BIN_PROGRAMS = smb3-ioctl smb3-ifaces
PROGRAMS = $(SBIN_PROGRAMS) $(BIN_PROGRAMS) smb3-upcall-full
# smb3-upcall execs smb3-upcall-full from <its directory>/../libexec/smb3kit, so the path follows SBINDIR.
UPCALL_FULL_DIR = $(SBINDIR)/../libexec/smb3kit
MAN_DIR = .build/man
FUZZ_SECONDS ?= 30
# fuzz-campaign: libFuzzer executions per target (hours in all on 2 cores; see Fuzz/CAMPAIGN.md).
FUZZ_CAMPAIGN_RUNS ?= 10000000
LAB_KERNEL ?= 6.12

.PHONY: all setup build man unit fuzz fuzz-campaign lab test demo install uninstall clean

all: build

# apt-get only; idempotent.
setup:
	bash lab/setup-host.sh

build:
	$(SWIFT) build $(RELEASE_FLAGS)
	@for p in $(PROGRAMS); do test -x $(RELEASE_DIR)/$$p || { echo "missing $$p"; exit 1; }; done

# Man pages come from the argument parsers, so they cannot drift from --help.
# Daemons and the upcall are admin commands (section 8), the CLIs user commands (section 1).
man: build
	$(SWIFT) build $(RELEASE_FLAGS) --product generate-manual
	rm -rf $(MAN_DIR) && mkdir -p $(MAN_DIR)
	@# The product builds swift-argument-parser's generate-manual tool into the release tree.
	@for p in $(SBIN_PROGRAMS); do $(RELEASE_DIR)/generate-manual $(RELEASE_DIR)/$$p --multi-page \
	  --section 8 --authors 'SMB3Kit developers' --output-directory $(MAN_DIR) || exit 1; done
	@for p in $(BIN_PROGRAMS); do $(RELEASE_DIR)/generate-manual $(RELEASE_DIR)/$$p --multi-page \
	  --section 1 --authors 'SMB3Kit developers' --output-directory $(MAN_DIR) || exit 1; done
	@ls $(MAN_DIR)

unit:
	$(SWIFT) test

fuzz:
	bash Fuzz/run.sh $(FUZZ_SECONDS)

# Every fuzz target to FUZZ_CAMPAIGN_RUNS executions, one process at a time, niced; writes the
# table to Fuzz/CAMPAIGN.md. Not part of `make test`, which keeps its bounded run.
fuzz-campaign:
	nice -n 15 bash Fuzz/run.sh --campaign $(FUZZ_CAMPAIGN_RUNS)

lab: build
	bash lab/run.sh --kernel $(LAB_KERNEL) ntlm-multichannel kerberos-mount witness-module \
	  upcall-krb5 upcall-keytab upcall-container upcall-gssproxy upcall-service upcall-hardening ioctl-copy ioctl-snapshots ioctl-admin \
	  ifaces-report ifaces-watch witness-server witness-failover witness-krb5

test: setup
	bash Tests/run-all.sh

demo: setup build
	bash lab/demo.sh

REQUEST_KEY_CONF = $(DESTDIR)$(SYSCONFDIR)/request-key.d/smb3kit.spnego.conf

install: build man
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UPCALL_FULL_DIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(SYSCONFDIR)/request-key.d $(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(UDEVDIR)
	for p in $(SBIN_PROGRAMS); do install -m 0755 $(RELEASE_DIR)/$$p $(DESTDIR)$(SBINDIR)/$$p; done
	install -m 0755 $(RELEASE_DIR)/smb3-upcall-full $(DESTDIR)$(UPCALL_FULL_DIR)/smb3-upcall-full
	for p in $(BIN_PROGRAMS); do install -m 0755 $(RELEASE_DIR)/$$p $(DESTDIR)$(BINDIR)/$$p; done
	for m in $(MAN_DIR)/*.1; do [ -e "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man1/; done; true
	for m in $(MAN_DIR)/*.8; do [ -e "$$m" ] && install -m 0644 "$$m" $(DESTDIR)$(MANDIR)/man8/; done; true
	# Commented out: installing must not silently replace cifs-utils' cifs.upcall (README: "Enable the upcall").
	{ echo '# SMB3Kit Kerberos upcall for cifs.ko. Uncomment the line below and comment out the'; \
	  echo '# "create cifs.spnego" line in cifs.spnego.conf (cifs-utils) to use smb3-upcall instead.'; \
	  echo '#create  cifs.spnego  *  *  $(SBINDIR)/smb3-upcall %k'; } > $(REQUEST_KEY_CONF)
	chmod 0644 $(REQUEST_KEY_CONF)
	# The witness daemon's configuration: all defaults, commented; never overwrite an admin's file.
	install -d $(DESTDIR)$(SYSCONFDIR)/smb3kit
	[ -e $(DESTDIR)$(SYSCONFDIR)/smb3kit/witnessd.conf ] || \
	  install -m 0644 etc/witnessd.conf.example $(DESTDIR)$(SYSCONFDIR)/smb3kit/witnessd.conf
	for f in systemd/*.service systemd/*.socket systemd/*.timer; do [ -e "$$f" ] || continue; \
	  sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' "$$f" > $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$f); done
	for f in udev/*.rules; do [ -e "$$f" ] || continue; \
	  sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' "$$f" > $(DESTDIR)$(UDEVDIR)/$$(basename $$f); done

uninstall:
	for p in $(SBIN_PROGRAMS); do rm -f $(DESTDIR)$(SBINDIR)/$$p; done
	rm -f $(DESTDIR)$(UPCALL_FULL_DIR)/smb3-upcall-full
	-rmdir $(DESTDIR)$(UPCALL_FULL_DIR) 2>/dev/null
	for p in $(BIN_PROGRAMS); do rm -f $(DESTDIR)$(BINDIR)/$$p; done
	rm -f $(DESTDIR)$(MANDIR)/man1/smb3-*.1 $(DESTDIR)$(MANDIR)/man8/smb3-*.8 $(REQUEST_KEY_CONF)
	for f in systemd/*.service systemd/*.socket systemd/*.timer; do rm -f $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$f); done
	for f in udev/*.rules; do rm -f $(DESTDIR)$(UDEVDIR)/$$(basename $$f); done

clean:
	rm -rf .build lab/out
