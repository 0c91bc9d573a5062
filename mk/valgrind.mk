# mk/valgrind.mk - the stage tests with every program under valgrind.
#
#   make valgrind        golden and command-line tests of each stage; any
#                        memory error or definite leak fails them
#
# Each bin/cull-* is wrapped by build-valgrind/bin/cull-*, which runs it under
# memcheck (exit 99 on an error, the report on stderr, where the golden
# comparisons see it). The tests that time things or drive the engine at
# length are left to make test and make asan.
VALGRIND_TESTS ?= tests/10-reader-cli.t tests/11-reader-golden.t tests/17-reader-events.t tests/20-ranker-golden.t \
	tests/22-ranker-cli.t tests/30-reaper-cli.t tests/40-logger-intake.t tests/43-logger-cli.t

valgrind: all
	@command -v valgrind >/dev/null || sh mk/deps.sh valgrind
	@mkdir -p build-valgrind/bin
	@for p in $(PROGS); do n=$${p##*/}; \
		printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite "%s" "$$@"\n' \
			"$(abspath $(BIN))/$$n" > build-valgrind/bin/$$n; chmod +x build-valgrind/bin/$$n; done
	CULL_BIN="$(abspath build-valgrind/bin)" CULL_VALGRIND=1 $(PROVE) $(PROVE_FLAGS) --exec '' $(VALGRIND_TESTS)

.PHONY: valgrind
