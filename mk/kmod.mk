# mk/kmod.mk - the kernel module (kmod/) and its qemu test and bench.
#
#   make kmod         build kmod/cull_sysinfo.ko against KDIR: the running
#                     kernel's build tree when it has one, else the newest
#                     Debian kernel installed with headers (/lib/modules/*-amd64)
#   make test-kmod    boot that kernel under qemu and test the module
#                     (tests/50-kmod.t; needs `sh mk/deps.sh kmod`)
#   make bench-kmod   bench/kmod.sh: the module against a /proc scan, in qemu
KMOD_KDIR_DEFAULT := $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(lastword $(shell ls -d /lib/modules/*-amd64/build 2>/dev/null | sort -V)))
KDIR ?= $(KMOD_KDIR_DEFAULT)

kmod:
	@test -n "$(KDIR)" || { echo "kmod: no kernel build tree; sh mk/deps.sh kmod, or make kmod KDIR=..." >&2; exit 1; }
	$(MAKE) -C kmod KDIR=$(KDIR)

test-kmod: all
	@sh mk/deps.sh kmod
	CULL_BIN=$(abspath $(BIN)) $(PROVE) $(PROVE_FLAGS) tests/5*-*.t

bench-kmod: all
	@sh mk/deps.sh kmod
	CULL_BIN=$(abspath $(BIN)) bash bench/kmod.sh

clean-kmod:
	-@test -z "$(KDIR)" || $(MAKE) -s -C kmod KDIR=$(KDIR) clean
	rm -rf $(BUILD)/kmod

clean: clean-kmod

.PHONY: kmod test-kmod bench-kmod clean-kmod

# The module's page goes with the others; the module itself is installed on
# purpose only (make install-kmod, as root: modules_install, then depmod).
install: install-man4
install-man4:
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man4
	for m in $(wildcard docs/*.4); do $(INSTALL) -m 644 $$m $(DESTDIR)$(MANDIR)/man4; done
uninstall: uninstall-man4
uninstall-man4:
	rm -f $(patsubst docs/%,$(DESTDIR)$(MANDIR)/man4/%,$(wildcard docs/*.4))
install-kmod: kmod
	$(MAKE) -C $(KDIR) M=$(abspath kmod) modules_install

.PHONY: install-man4 uninstall-man4 install-kmod
