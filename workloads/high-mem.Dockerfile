# cull-high-mem: a memory-heavy workload
# Built by `make images` from a static binary: no base image, no registry.
FROM scratch
COPY cull-high-mem /cull-high-mem
LABEL cull.managed="true" cull.class="high" cull.workload="high-mem"
ENTRYPOINT ["/cull-high-mem"]
