# mk/ranker.mk - the ranker's extra rule: the json-c floor program its
# benchmark measures against.

# bench/jsonc-parse: parse each stdin line with json-c, the way the ranker's
# lib/jv.c does, and nothing else.
$(BUILD)/bench/jsonc-parse: bench/jsonc-parse.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LDLIBS)

bench-ranker-tools: $(BIN)/cull-ranker $(BUILD)/bench/jsonc-parse

.PHONY: bench-ranker-tools
