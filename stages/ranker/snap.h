/*
 * snap.h - a snapshot line (DESIGN.md "snapshot"), checked and grouped by
 * container. Parsing only: no I/O, no clock, no policy.
 *
 *   {"type":"snapshot","v":1,"seq":7,"ts":1700000000.5,"interval_s":1.0,
 *    "mem":{"total_kb":24000000,"used_kb":9000000,"used_pct":37.5,...},
 *    "procs":[{"pid":42,"container":"3f2a...","rss_kb":2048,"vsz_kb":8192,
 *              "mem_pct":0.01,"cpu_pct":99.5,...}],
 *    "containers":{"3f2a...":{"name":"web","image":"x","labels":{"cull.managed":"true"}}},
 *    "cgroups":{"3f2a...":{"ws_kb":1024,"usage_kb":4096,...}}}
 *
 * Used fields are required and typed (sizes whole and >= 0, shares finite
 * and >= 0, pids > 0 and unique); fields the ranker does not use are not
 * looked at. A process whose "container" is "" is a host process (the
 * reader's --all) and is not ranked. Strings point into the json-c tree:
 * they live as long as the object given to snap_parse().
 */
#ifndef CULL_RANKER_SNAP_H
#define CULL_RANKER_SNAP_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "jv.h"

struct snap_ent;
#define SNAP_ID_MAX 256		/* longest container id accepted, in bytes */
/* Sizes are KiB: 2^50 KiB is an exbibyte, more than any machine has. */
#define SNAP_KB_MAX ((int64_t)1 << 50)
#define SNAP_PCT_MAX 1e9	/* a process's cpu_pct: many cores */

/* The orders, in the order of --sort-by's words. ws, the working set of
 * the container's memory cgroup (the snapshot's "cgroups"), is 0 for a
 * container the reader could not read the cgroup of. */
enum snap_key { KEY_RAM, KEY_CPU, KEY_VSZ, KEY_RSS, KEY_WS, KEY_N };
extern const char *const snap_key_name[KEY_N + 1];	/* "ram", ..., NULL */

struct snap_proc {
	int64_t pid;
	int64_t rss_kb, vsz_kb;
	double mem_pct, cpu_pct;
	const char *container;	/* "" for a host process */
	size_t clen;
};

/* A container: the sums over its processes, what `containers` says of it,
 * and what the policy decides (filled in by policy_run()). */
struct snap_ctr {
	const char *id;		/* NUL-terminated, in the json tree */
	const char *name;	/* "" when not known */
	const char *image;	/* "" when not known */
	int known;		/* listed in `containers` */
	int label_class;	/* -1 no usable cull.class label, else CLASS_LOW/HIGH */
	int label_managed;	/* cull.managed is "true" */
	int procs;
	int64_t rss_kb, vsz_kb;	/* saturating sums */
	double mem_pct, cpu_pct;
	int has_ws;		/* listed in `cgroups` */
	int64_t ws_kb;		/* its working set; 0 when not listed */

	/* policy_run() output */
	int cls;		/* CLASS_LOW or CLASS_HIGH */
	int managed;		/* takes part in the policy */
	int fate;		/* FATE_* (policy.h) */
	int order[KEY_N];	/* 1-based place in each order */
	char reason[192];	/* why, when fate is FATE_KILL */
};

struct snap {
	const char *ts_raw;	/* "ts" exactly as it came, to echo */
	size_t ts_len;
	double ts;
	int64_t seq;
	double interval_s;	/* 0 when absent */
	int64_t total_kb, used_kb;
	double used_pct;
	int has_psi;		/* mem.psi present: memory pressure, percent */
	double psi_some10, psi_some60, psi_full10, psi_full60;
	int has_containers;	/* `containers` present: labels are known */
	int has_cgroups;	/* `cgroups` present: working sets are known */
	size_t nprocs;		/* container processes (host ones not counted) */
	size_t nctr;
	struct snap_ctr *ctr;	/* sorted by id */

	/* reused storage: grows to the largest snapshot, never shrinks */
	struct snap_proc *procs;
	size_t procs_cap, ctr_cap, idx_cap;
	size_t *idx;		/* scratch: procs in pid, then container order */
	struct snap_ent *ent;	/* scratch of snap_fast(): containers, cgroups */
	size_t ent_cap;
	char **ends;		/* scratch of snap_fast(): strings to end */
	size_t ends_cap;
};

/* The saturating sum for sizes (a hostile line may hold huge values). */
int64_t snap_sat_add(int64_t a, int64_t b);

/* Check o (a parsed line whose type is "snapshot") and fill s. Returns 0,
 * or -1 with v->err saying what is wrong. */
int snap_parse(struct snap *s, struct jv *v, json_object *o);
void snap_free(struct snap *s);

/* The fast path (fast.c), without json-c: when line[0..len) is a snapshot
 * line that snap_parse() would take, fill s exactly as it would and return
 * 0; strings then point into line, each ended by a NUL written over its
 * closing quote. Else -1, line untouched: anything it does not handle
 * (not a snapshot, a fault, a string with an escape in a place it reads,
 * a repeated field, a number not in its plain form) is json-c's, which
 * says what is wrong. About five times faster on the reader's lines;
 * tests/unit/ranker-fast.c holds it to snap_parse() line by line. */
int snap_fast(struct snap *s, char *line, size_t len);

/* procs[0..n) filled: check that pids are unique and group the processes
 * by container into s->ctr (id, sums; the rest zero). 0, or -1 with v->err
 * set (when v is not NULL). Both parsers end with it. */
int snap_group(struct snap *s, struct jv *v, size_t n);

/* NULL when a and b hold the same snapshot (what the policy reads), else
 * the first field that differs: the tests hold the two parsers to it. */
const char *snap_differ(const struct snap *a, const struct snap *b);

#endif
