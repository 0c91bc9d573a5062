# cull - build, test, install.
#
#   make                 build every stage into bin/
#   make test            install missing packages, build, run all tests (prove)
#   make asan            the same tests with AddressSanitizer + UBSan (build-asan/)
#   make WERROR=1        warnings are errors
#   make install         PREFIX=/usr/local, DESTDIR for packagers
#   make deps            install the Debian packages cull needs (as root)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
INSTALL ?= install

BUILD ?= build
BIN ?= bin

# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the user's (make CFLAGS=-O3 keeps
# working); what the code needs is added apart, so it survives them.
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN += -Werror
endif
PKGS = json-c libcurl
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS)
ALL_CPPFLAGS = -D_GNU_SOURCE -Ilib $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS)
ALL_LDLIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm $(LDLIBS)

# A stage is any directory under stages/ with a main.c; its binary is
# bin/cull-<dir>. Other .c files in the directory are its parts, linked into
# its unit tests too.
STAGES := $(patsubst stages/%/main.c,%,$(wildcard stages/*/main.c))
PROGS := $(STAGES:%=$(BIN)/cull-%)
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard lib/*.c))
# tests/unit/<stage>-<what>.c or lib-<what>.c -> a TAP program
UNIT := $(patsubst tests/unit/%.c,$(BUILD)/t/%.t,$(wildcard tests/unit/*.c))

all: $(PROGS)

deps:
	@sh mk/deps.sh build test

deps-build:
	@sh mk/deps.sh build

$(BUILD)/%.o: %.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# A unit test tests/unit/<stage>-<what>.c sees its stage's headers.
$(BUILD)/tests/unit/%.o: ALL_CPPFLAGS += -Istages/$(firstword $(subst -, ,$(notdir $*)))

$(BUILD)/libcull.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

.SECONDEXPANSION:
stage_parts = $(patsubst %.c,$(BUILD)/%.o,$(filter-out %/main.c,$(wildcard stages/$(1)/*.c)))

$(BIN)/cull-%: $(BUILD)/stages/%/main.o $$(call stage_parts,$$*) $(BUILD)/libcull.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(BUILD)/t/%.t: $(BUILD)/tests/unit/%.o $$(call stage_parts,$$(firstword $$(subst -, ,$$*))) $(BUILD)/libcull.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# Tests: shell tests in tests/*.t and the unit programs, all TAP, run by
# prove, through mk/prove.sh: it shows a failed check's diagnostics (TAP
# comments, hidden by prove alone) and recaps them at the end. CULL_BIN tells the shell tests which binaries to test; any one can
# be swapped with CULL_READER=..., CULL_RANKER=..., and so on.
TESTS ?= $(sort $(wildcard tests/*.t))
PROVE ?= sh mk/prove.sh
PROVE_FLAGS ?=

test: deps all $(UNIT)
	CULL_BIN="$(abspath $(BIN))" $(PROVE) $(PROVE_FLAGS) --exec '' $(UNIT) $(TESTS)

# The same suite under AddressSanitizer and UBSan, built apart in build-asan/.
# Tests that cannot run sanitized binaries (the module's, in a static guest)
# skip themselves when CULL_SANITIZED is set.
ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	CULL_SANITIZED=1 $(MAKE) BUILD=build-asan BIN=build-asan/bin \
		CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" test

install: all
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man5"
	$(INSTALL) -m 755 $(PROGS) "$(DESTDIR)$(BINDIR)"
	for m in $(wildcard docs/*.1); do $(INSTALL) -m 644 $$m "$(DESTDIR)$(MANDIR)/man1"; done
	for m in $(wildcard docs/*.5); do $(INSTALL) -m 644 $$m "$(DESTDIR)$(MANDIR)/man5"; done

uninstall:
	for p in $(STAGES:%=cull-%); do rm -f "$(DESTDIR)$(BINDIR)/$$p"; done
	for m in $(notdir $(wildcard docs/*.1)); do rm -f "$(DESTDIR)$(MANDIR)/man1/$$m"; done
	for m in $(notdir $(wildcard docs/*.5)); do rm -f "$(DESTDIR)$(MANDIR)/man5/$$m"; done

# Benchmarks: each bench/*.sh prints a Markdown section (progress on
# stderr); together they make bench/RESULTS.md.
bench: all
	@sh mk/deps.sh bench
	@{ echo "# cull benchmarks"; echo; echo "Made by \`make bench\` on $$(uname -nr), $$(nproc) cores, $$(date -u +%Y-%m-%d)."; \
	  for s in bench/*.sh; do echo; CULL_BIN="$(abspath $(BIN))" bash $$s || echo "($$s failed: $$?)"; done; } > bench/RESULTS.md.new
	@mv bench/RESULTS.md.new bench/RESULTS.md && cat bench/RESULTS.md

clean:
	rm -rf build build-asan bin

# Fragments for the parts that need more than the default rules (kmod/,
# workloads/, the pipeline): mk/<part>.mk.
-include $(sort $(wildcard mk/*.mk))

.PHONY: all deps deps-build test asan bench install uninstall clean
.DELETE_ON_ERROR:
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
