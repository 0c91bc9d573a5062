/*
 * kmod.h - read the kernel module's report (/proc/cull_sysinfo) into a
 * sample. The report is one JSON document, read whole whatever its size:
 *
 *   {"v":3,"uptime_ns":…,"cpus":2,"hz":250,
 *    "mem":{"total_kb":…,"free_kb":…,"available_kb":…,"shared_kb":…,"buffers_kb":…},
 *    "procs":[{"pid":…,"ppid":…,"comm":"…","cmdline":"…","container":"<64 hex>",
 *              "state":"R","vsz_kb":…,"rss_kb":…,"cpu_ns":…,"start_ns":…}],
 *    "cgroups":{"<64 hex>":{"usage_kb":…,"limit_kb":…}},
 *    "procs_omitted":N}
 *
 * Versions 1, 2 and 3 are read; 2 may end with "procs_omitted" (present
 * only when the module's doc_max left processes out: a warning, the
 * snapshot has the others), and the sample's omitted counts them. 3 may
 * have "cgroups" (each key a 64-hex id, usage_kb >= 0, limit_kb >= 0 or
 * absent: no limit), kept in the sample's cgs for memcg.c.
 */
#ifndef CULL_READER_KMOD_H
#define CULL_READER_KMOD_H

#include "jv.h"
#include "sample.h"

struct kmod {
	const char *path;
	int all;		/* keep host processes ("container":"") */
	char *buf;
	size_t cap;
	struct jv jv;
};

void kmod_open(struct kmod *k, const char *path, int all);
/* Returns 0, or -1 with a message on stderr. */
int kmod_read(struct kmod *k, struct sample *s);
void kmod_close(struct kmod *k);

/* The parser alone (unit-tested): 0, or -1 with v->err set. */
int kmod_parse(struct jv *v, const char *doc, size_t len, int all, struct sample *s);

#endif
