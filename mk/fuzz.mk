# mk/fuzz.mk - libFuzzer targets for every parser of outside data (fuzz/*.c).
#
#   make fuzz                   each target for FUZZ_SECONDS (default 10) s
#   make fuzz FUZZ_SECONDS=300  longer
#
# A target fuzz/<stage>-<what>.c is linked with that stage's parts (not its
# main.c) and lib/, built with clang, ASan and UBSan into build-fuzz/. Seeds
# come from fuzz/seeds/<target>/, the golden test inputs and the JSONTestSuite
# files; the growing corpus stays in build-fuzz/corpus/. A crash is saved as
# build-fuzz/crash-<target>-*: turn it into a regression test.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 10
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := $(patsubst fuzz/%.c,build-fuzz/%,$(wildcard fuzz/*.c))
fuzz_stage = $(firstword $(subst -, ,$(notdir $(1))))
fuzz_srcs = $(filter-out %/main.c,$(wildcard stages/$(call fuzz_stage,$(1))/*.c)) $(wildcard lib/*.c)

deps-fuzz:
	@sh mk/deps.sh build fuzz

build-fuzz/%: fuzz/%.c $$(call fuzz_srcs,$$*) | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -D_GNU_SOURCE -Ilib -Istages/$(call fuzz_stage,$*) \
		$(shell $(PKG_CONFIG) --cflags json-c libcurl) -o $@ $^ $(ALL_LDLIBS)

fuzz: $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		n=$${t##*/}; c=build-fuzz/corpus/$$n; mkdir -p $$c; \
		seeds=""; for s in fuzz/seeds/$$n tests/golden/$$(echo $$n | cut -d- -f1) \
			$(SHARED_TESTDATA); do [ -d $$s ] && seeds="$$seeds $$s"; done; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=build-fuzz/crash-$$n- $$c $$seeds 2>build-fuzz/$$n.log || \
			{ tail -n 60 build-fuzz/$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^stat::peak_rss' build-fuzz/$$n.log | sed "s/^/fuzz: $$n /"; \
	done

SHARED_TESTDATA ?= tests/data/jsontestsuite/test_parsing

.PHONY: fuzz deps-fuzz
