# mk/ranker.mk - the ranker's extra rules: the json-c floor program its
# benchmark measures against, and keeping its objects between builds.

RANKER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard stages/ranker/*.c))
.SECONDARY: $(RANKER_OBJ)

# bench/jsonc-parse: parse each stdin line with json-c, the way the ranker's
# lib/jv.c does, and nothing else.
$(BUILD)/bench/jsonc-parse: bench/jsonc-parse.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LDLIBS)

bench-ranker-tools: $(BIN)/cull-ranker $(BUILD)/bench/jsonc-parse

.PHONY: bench-ranker-tools

# unit tests include the stage's own headers
$(BUILD)/tests/unit/ranker-%.o: CPPFLAGS += -Istages/ranker
