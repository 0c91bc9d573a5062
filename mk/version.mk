# mk/version.mk - one version for every program (mk/version.sh says how it is
# made from git describe and VERSION).
#
#   make print-version    print it
#
# $(BUILD)/version.c holds the string and goes into libcull.a; it is looked at
# on every build but rewritten only when the string changes, so a new commit
# recompiles that one file and relinks, nothing else. Each program prints it
# with --version (lib/version.h).

print-version:
	@sh mk/version.sh

$(BUILD)/version.c: FORCE
	@mkdir -p $(@D)
	@v=$$(sh mk/version.sh) || exit 1; \
	printf '/* made by mk/version.mk from mk/version.sh: do not edit */\n#include "version.h"\n\nconst char cull_version[] = "%s";\n' "$$v" >$@.new && \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(BUILD)/version.o: $(BUILD)/version.c | deps-build
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libcull.a: $(BUILD)/version.o

FORCE:

.PHONY: print-version FORCE
