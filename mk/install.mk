# mk/install.mk - what a host needs beyond make install (programs and man
# pages): the service, and the module's source for DKMS. The Debian packages
# are built from these (debian/rules); a source install may use them too.
#
#   make install-service   $(SBINDIR)/cull (pipeline.sh), the systemd unit
#                          cull.service, $(SYSCONFDIR)/cull/cull.conf (kept
#                          if there: the new one goes beside as cull.conf.new)
#   make install-dkms      /usr/src/cull-sysinfo-<version>/ with dkms.conf,
#                          then: dkms install cull-sysinfo/<version>
#   make uninstall-service, uninstall-dkms

SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
# Packages put units in /lib/systemd/system; the admin's own go to /etc.
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,/etc/systemd/system)
DKMS_SRCDIR = /usr/src/cull-sysinfo-$(CULL_VER)
CULL_VER = $(shell sh mk/version.sh)

install-service:
	$(INSTALL) -d "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(SYSCONFDIR)/cull" "$(DESTDIR)$(SYSTEMDUNITDIR)"
	$(INSTALL) -m 755 pipeline.sh "$(DESTDIR)$(SBINDIR)/cull"
	sed -e 's|/usr/sbin/cull|$(SBINDIR)/cull|g' -e 's|/etc/cull/|$(SYSCONFDIR)/cull/|g' \
		deploy/cull.service >"$(DESTDIR)$(SYSTEMDUNITDIR)/cull.service.new"
	chmod 644 "$(DESTDIR)$(SYSTEMDUNITDIR)/cull.service.new"
	mv "$(DESTDIR)$(SYSTEMDUNITDIR)/cull.service.new" "$(DESTDIR)$(SYSTEMDUNITDIR)/cull.service"
	@if [ -e "$(DESTDIR)$(SYSCONFDIR)/cull/cull.conf" ]; then \
		$(INSTALL) -m 644 deploy/cull.conf "$(DESTDIR)$(SYSCONFDIR)/cull/cull.conf.new" && \
		echo "install-service: kept $(DESTDIR)$(SYSCONFDIR)/cull/cull.conf; the new one is cull.conf.new"; \
	else $(INSTALL) -m 644 deploy/cull.conf "$(DESTDIR)$(SYSCONFDIR)/cull/cull.conf"; fi

uninstall-service:
	rm -f "$(DESTDIR)$(SBINDIR)/cull" "$(DESTDIR)$(SYSTEMDUNITDIR)/cull.service"

# The source keeps the repository's layout (kmod/ beside lib/jesc.h and
# lib/cgid.h, which kmod/Kbuild includes as $(src)/../lib), so DKMS builds it
# as make kmod does; without the test module cull_cgid_test.c, which is
# built only when asked for (CULL_CGID_TEST=m) and needs tests/unit/.
install-dkms:
	@test -n "$(CULL_VER)" || { echo "install-dkms: no version (mk/version.sh)" >&2; exit 1; }
	$(INSTALL) -d "$(DESTDIR)$(DKMS_SRCDIR)/kmod" "$(DESTDIR)$(DKMS_SRCDIR)/lib"
	$(INSTALL) -m 644 kmod/Kbuild kmod/Makefile $(filter-out kmod/cull_cgid_test.c,$(wildcard kmod/*.c kmod/*.h)) "$(DESTDIR)$(DKMS_SRCDIR)/kmod"
	$(INSTALL) -m 644 lib/jesc.h lib/cgid.h "$(DESTDIR)$(DKMS_SRCDIR)/lib"
	sed 's/#MODULE_VERSION#/$(CULL_VER)/' debian/cull-dkms.dkms >"$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf"

uninstall-dkms:
	rm -rf "$(DESTDIR)$(DKMS_SRCDIR)"

.PHONY: install-service uninstall-service install-dkms uninstall-dkms
