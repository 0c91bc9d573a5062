# cull-low-http: a light workload
# Built by `make images` from a static binary: no base image, no registry.
FROM scratch
COPY cull-low-http /cull-low-http
LABEL cull.managed="true" cull.class="low" cull.workload="low-http"
EXPOSE 8080
ENTRYPOINT ["/cull-low-http"]
