# mk/system.mk - the workload images and the whole pipeline.
#
#   make images    build cull-high-cpu, cull-high-mem, cull-low-http and
#                  cull-low-idle (FROM scratch, static binaries, labelled
#                  cull.managed=true and cull.class=high|low)
#   make run       deps, an engine (dockerd started if none answers), the
#                  images, then ./pipeline.sh --spawn for RUN_SECONDS (300)
#                  or until Ctrl-C; the log and the graphs land in out/

WORKLOADS := high-cpu high-mem low-http low-idle
WL_BIN := $(WORKLOADS:%=$(BUILD)/workloads/cull-%)
DOCKER ?= /usr/bin/docker
RUN_SECONDS ?= 300
RUN_FLAGS ?=

$(BUILD)/workloads/cull-%: workloads/%.c workloads/common.h | deps-build
	@mkdir -p $(@D)
	$(CC) -O2 -static -std=c11 -D_GNU_SOURCE -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -o $@ $< -lm

workloads: $(WL_BIN)

# The legacy builder caches the layers: an image whose binary did not change
# is not rebuilt.
images: $(WL_BIN)
	@sh workloads/engine.sh
	@for w in $(WORKLOADS); do \
		ctx=$(BUILD)/workloads/ctx-$$w; mkdir -p $$ctx && \
		cp $(BUILD)/workloads/cull-$$w workloads/$$w.Dockerfile $$ctx/ && \
		printf 'image cull-%s: ' $$w && \
		DOCKER_BUILDKIT=0 $(DOCKER) build -q -f $$ctx/$$w.Dockerfile -t cull-$$w $$ctx || exit 1; \
	done

# A previous run's log is kept beside, under its date, so that the graphs
# show this run only.
run: all
	@sh mk/deps.sh build test
	@sh workloads/engine.sh out
	@$(MAKE) --no-print-directory images
	@if [ -s out/cull.log ]; then old=out/cull-$$(date -r out/cull.log +%Y%m%d-%H%M%S).log; \
		mv out/cull.log $$old && echo "make run: the previous log is now $$old"; fi
	@echo "make run: ./pipeline.sh --spawn for $(RUN_SECONDS) s (Ctrl-C stops it sooner):"
	@echo "  10 workload containers now and every minute; cull keeps 2 high and 3 low;"
	@echo "  the log and the graphs go to out/. Afterwards the kept containers still run:"
	@echo "  workloads/spawn.sh --clean removes them."
	./pipeline.sh --spawn --duration $(RUN_SECONDS) $(RUN_FLAGS)

.PHONY: workloads images run
