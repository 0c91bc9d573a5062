# cull-low-idle: the lightest workload
# Built by `make images` from a static binary: no base image, no registry.
FROM scratch
COPY cull-low-idle /cull-low-idle
LABEL cull.managed="true" cull.class="low" cull.workload="low-idle"
ENTRYPOINT ["/cull-low-idle"]
