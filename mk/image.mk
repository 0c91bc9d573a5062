# mk/image.mk - the cull image.
#
#   make image       build cull:$(IMAGE_TAG) FROM scratch, offline: the
#                    programs, pipeline.sh as the service, and the tools it
#                    runs with exactly their shared objects (image/rootfs.sh);
#                    prints its size
#   make test-image  tests/64-image.t: the image against the real engine
# the version (mk/version.sh), with '+' made '-': a tag allows [A-Za-z0-9_.-]
IMAGE_TAG ?= $(subst +,-,$(shell sh mk/version.sh))

image: all
	@sh workloads/engine.sh
	@rm -rf $(BUILD)/image && mkdir -p $(BUILD)/image
	bash image/rootfs.sh $(BUILD)/image/rootfs $(BIN)
	cp image/Dockerfile $(BUILD)/image/
	DOCKER_BUILDKIT=0 $(DOCKER) build -q -t cull:$(IMAGE_TAG) $(BUILD)/image >/dev/null
	@$(DOCKER) image inspect -f 'image cull:$(IMAGE_TAG): {{.Size}} bytes' cull:$(IMAGE_TAG)

test-image: all
	CULL_BIN="$(abspath $(BIN))" $(PROVE) $(PROVE_FLAGS) tests/64-image.t

.PHONY: image test-image
