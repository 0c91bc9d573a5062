/*
 * snapshot.h - from a sample to a snapshot line (DESIGN.md "snapshot").
 *
 * cpu_pct is the share of one CPU a process used since the previous sample
 * (like top); a process not in the previous sample gets its average since it
 * started (like ps). The previous sample is keyed by pid and start time, so
 * a reused pid never inherits another process's CPU time.
 */
#ifndef CULL_READER_SNAPSHOT_H
#define CULL_READER_SNAPSHOT_H

#include <json-c/json.h>

#include "jw.h"
#include "memcg.h"
#include "psi.h"
#include "sample.h"

struct cpu_prev {
	struct cpu_seen {
		int32_t pid;
		uint64_t start_ns, cpu_ns;
	} *v;
	size_t n, cap;
	uint64_t uptime_ns;
};

/* Sort s by pid, fill every cpu_pct, and remember s for the next call. */
void snapshot_cpu(struct sample *s, struct cpu_prev *prev);
void cpu_prev_free(struct cpu_prev *prev);

struct snapshot_meta {
	unsigned long long seq;
	double ts;		/* Unix time, seconds */
	const char *source;	/* "kmod" or "procfs" */
	double interval_s;
	json_object *containers;	/* id -> rendered entry, a string (events.h), or NULL */
	const struct psi *psi;	/* memory pressure, or NULL: the kernel has none */
	const struct memcg *memcg;	/* the containers' memory cgroups, or NULL */
};

/* The snapshot line, without its '\n', into w. */
void snapshot_write(struct jw *w, const struct sample *s, const struct snapshot_meta *m);

#endif
