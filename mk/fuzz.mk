# mk/fuzz.mk - libFuzzer targets for every parser of outside data (fuzz/*.c).
#
#   make fuzz                   each target for FUZZ_SECONDS (default 10) s
#   make fuzz FUZZ_SECONDS=300  longer
#   make fuzz-merge             shrink each grown corpus to the inputs that
#                               add coverage (libFuzzer -merge=1)
#
# A target fuzz/<stage>-<what>.c is linked with that stage's parts (not its
# main.c) and lib/, built with clang, ASan and UBSan into build-fuzz/.
# Seeds, all in the tree and all named: fuzz/seeds/<target>/ (a few inputs
# written for what the tests do not reach, and every input that ever crashed,
# named regression-*), the golden test files of the stage (and for the ranker
# the reader's, which are snapshots), each also cut into one seed a line in
# build-fuzz/seeds/ (a target reads one document), and the JSONTestSuite
# files. What the fuzzer finds grows build-fuzz/corpus/<target>/, outside the
# tree, as curl and OSS-Fuzz keep theirs; make fuzz-merge keeps it small.
# A crash is saved as build-fuzz/crash-<target>-*: add it to fuzz/seeds as
# regression-<what> and fix it with a test.
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

# The golden files a target starts from: its stage's, and the ranker's
# input is what the reader writes.
fuzz_golden = tests/golden/$(1) $(if $(filter ranker,$(1)),tests/golden/reader)

# build-fuzz/seeds/<target>/: each golden file cut into one seed a line,
# named <case>.<ext>-<line>.
build-fuzz/seeds/%: $$(wildcard $$(addsuffix /*,$$(call fuzz_golden,$$(call fuzz_stage,$$*))))
	@rm -rf $@ && mkdir -p $@
	@for f in $^; do \
		b=$${f##*/}; i=0; \
		while IFS= read -r l || [ -n "$$l" ]; do \
			i=$$((i + 1)); printf '%s' "$$l" >"$@/$$b-$$i"; \
		done <"$$f"; \
	done

fuzz_seed_dirs = fuzz/seeds/$(1) build-fuzz/seeds/$(1) $(call fuzz_golden,$(call fuzz_stage,$(1))) $(SHARED_TESTDATA)

fuzz: $(FUZZ_TARGETS) $(FUZZ_TARGETS:build-fuzz/%=build-fuzz/seeds/%)
	@set -e; for t in $(FUZZ_TARGETS); do \
		n=$${t##*/}; c=build-fuzz/corpus/$$n; mkdir -p $$c; \
		seeds=""; for s in $(call fuzz_seed_dirs,$$n); do [ -d $$s ] && seeds="$$seeds $$s"; done; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=build-fuzz/crash-$$n- $$c $$seeds 2>build-fuzz/$$n.log || \
			{ tail -n 60 build-fuzz/$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^stat::peak_rss' build-fuzz/$$n.log | sed "s/^/fuzz: $$n /"; \
	done

# Shrink what fuzzing found to the smallest corpus with the same coverage.
fuzz-merge: $(FUZZ_TARGETS) $(FUZZ_TARGETS:build-fuzz/%=build-fuzz/seeds/%)
	@set -e; for t in $(FUZZ_TARGETS); do \
		n=$${t##*/}; c=build-fuzz/corpus/$$n; [ -d $$c ] || continue; \
		rm -rf $$c.new; mkdir -p $$c.new; \
		$$t -merge=1 $$c.new $$c >build-fuzz/$$n.merge.log 2>&1 || \
			{ tail -n 20 build-fuzz/$$n.merge.log; exit 1; }; \
		echo "fuzz-merge: $$n: $$(ls $$c | wc -l) -> $$(ls $$c.new | wc -l) inputs"; \
		rm -rf $$c && mv $$c.new $$c; \
	done

SHARED_TESTDATA ?= tests/data/jsontestsuite/test_parsing

.PHONY: fuzz fuzz-merge deps-fuzz
