# mk/kmod.mk - the kernel module (kmod/) and its qemu test and bench.
#
#   make kmod         build kmod/cull_sysinfo.ko against KDIR: the running
#                     kernel's build tree when it has one, else Debian's 6.1
#                     headers unpacked into the cache (kmod/test/kernel.sh)
#   make test-kmod    boot each kernel of KVERS under qemu and test the module
#                     (tests/50-kmod.t); KVERS="6.1 6.12 rt" by default, any of
#                     6.1 6.12 rt generic debug. The kernels and headers are
#                     fetched with apt-get download into $CULL_KMOD_CACHE
#                     (/var/cache/cull-kmod), never installed. make test runs
#                     tests/50-kmod.t with KVERS="6.1 6.12".
#   make test-kmod-debug  the same test on a 6.1 kernel built with lockdep,
#                     KASAN, KFENCE and DEBUG_ATOMIC_SLEEP (kmod/test/debug-kernel.sh;
#                     the first build takes about an hour on 2 cores)
#   make bench-kmod   bench/kmod.sh: the module against a /proc scan, in qemu
KMOD_KDIR_DEFAULT := $(wildcard /lib/modules/$(shell uname -r)/build)
KDIR ?= $(KMOD_KDIR_DEFAULT)
KVERS ?= 6.1 6.12 rt

kmod:
	@kdir="$(KDIR)"; \
	if [ -z "$$kdir" ]; then kdir=$$(kmod/test/kernel.sh 6.1 | sed -n 3p) && [ -n "$$kdir" ] || \
		{ echo "kmod: no kernel build tree; make kmod KDIR=..." >&2; exit 1; }; fi; \
	$(MAKE) -C kmod KDIR="$$kdir"

test-kmod: all
	@sh mk/deps.sh kmod
	KVERS="$(KVERS)" CULL_BIN="$(abspath $(BIN))" $(PROVE) $(PROVE_FLAGS) $(wildcard tests/5*-kmod*.t)

test-kmod-debug: all
	@sh mk/deps.sh kmod kmod-debug
	kmod/test/debug-kernel.sh >/dev/null
	KVERS=debug KMOD_TIMEOUT=$${KMOD_TIMEOUT:-2400} CULL_BIN="$(abspath $(BIN))" $(PROVE) $(PROVE_FLAGS) -v tests/50-kmod.t

bench-kmod: all
	@sh mk/deps.sh kmod
	CULL_BIN="$(abspath $(BIN))" bash bench/kmod.sh

clean-kmod:
	rm -f kmod/*.ko kmod/*.o kmod/*.mod kmod/*.mod.c kmod/.*.cmd kmod/Module.symvers kmod/modules.order
	rm -rf $(BUILD)/kmod

clean: clean-kmod

.PHONY: kmod test-kmod test-kmod-debug bench-kmod clean-kmod

# The module's page goes with the others; the module itself is installed on
# purpose only (make install-kmod, as root: modules_install, then depmod).
install: install-man4
install-man4:
	$(INSTALL) -d "$(DESTDIR)$(MANDIR)/man4"
	for m in $(wildcard docs/*.4); do $(INSTALL) -m 644 $$m "$(DESTDIR)$(MANDIR)/man4"; done
uninstall: uninstall-man4
uninstall-man4:
	for m in $(notdir $(wildcard docs/*.4)); do rm -f "$(DESTDIR)$(MANDIR)/man4/$$m"; done
install-kmod: kmod
	$(MAKE) -C $(KDIR) M=$(abspath kmod) modules_install

.PHONY: install-man4 uninstall-man4 install-kmod
