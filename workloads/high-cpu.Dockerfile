# cull-high-cpu: a CPU-heavy workload
# Built by `make images` from a static binary: no base image, no registry.
FROM scratch
COPY cull-high-cpu /cull-high-cpu
LABEL cull.managed="true" cull.class="high" cull.workload="high-cpu"
ENTRYPOINT ["/cull-high-cpu"]
