/*
 * memcg.h - each container's memory cgroup, as the engine, docker stats and
 * the kubelet count it: usage, inactive file cache, the working set (usage
 * less inactive file) and the limit; on cgroup v2 its memory pressure too.
 *
 *   v1 <sys-root>/memory<path>/   memory.usage_in_bytes   "123456789\n"
 *                                 memory.stat             "...total_inactive_file 4096\n..."
 *                                 memory.limit_in_bytes   "9223372036854771712\n" (no limit)
 *   v2 <sys-root><path>/          memory.current, memory.stat ("inactive_file N"),
 *                                 memory.max ("max\n": no limit), memory.pressure
 *
 * <path> is the container's cgroup as one of its processes sees it in
 * <proc-root>/<pid>/cgroup: the line naming the memory controller (v1) if
 * there is one, else the unified "0::" line (v2), up to the component that
 * names the container (its own sub-cgroups count as it). It is looked up once per
 * container, when the container first appears in a sample; its files stay
 * open and are read again from their start (pread) on every snapshot, as
 * /proc's are, and closed when the container is gone from a sample.
 * memory.stat costs ~90 us a read on cgroup v1 (the kernel sums its
 * counters over every CPU), 15 times memory.usage_in_bytes: it (and the
 * limit) is read again only when usage has moved by more than 1 MiB + 1/64
 * since, or MEMCG_STAT_MAX_S have passed; the working set is usage less the
 * inactive file cache of that reading (never below 0). When the sample
 * carries the source's own figures for a container (the kernel module's
 * "cgroups", struct sample_cg), its usage and limit are those, read with
 * the processes, and only memory.stat and memory.pressure are read here;
 * a container the module gave none for is read as above. A
 * container whose cgroup cannot be found or opened (a path with "..", as
 * seen from a private cgroup namespace; another mount) has no figures.
 */
#ifndef CULL_READER_MEMCG_H
#define CULL_READER_MEMCG_H

#include <stdint.h>

#include "psi.h"
#include "sample.h"

#define MEMCG_PATH_MAX 1024	/* longest cgroup path followed, in bytes */
#define MEMCG_FILE_MAX 8192	/* bytes read of a cgroup file (memory.stat ~1.5 KiB) */
#define MEMCG_STAT_MAX_S 10.0	/* oldest memory.stat reading used, seconds */
/* A limit this large or larger is no limit: v1 writes "no limit" as
 * PAGE_COUNTER_MAX pages (9223372036854771712 bytes with 4 KiB pages), the
 * module as that in KiB; both are past 2^62 bytes, no real limit is. */
#define MEMCG_NO_LIMIT ((uint64_t)1 << 62)

struct memcg_figs {
	uint64_t usage_kb, inactive_file_kb, ws_kb;
	uint64_t limit_kb;	/* 0: no limit */
	int has_psi;		/* v2 only */
	struct psi psi;
};

struct memcg_ent {
	char id[CONTAINER_ID_LEN + 1];
	int fd_usage, fd_stat, fd_limit, fd_psi;	/* -1 when not open */
	int v2;			/* memory.stat says inactive_file, not total_inactive_file */
	unsigned gen;		/* the last sample that listed the container */
	int ok;			/* figs hold this snapshot's reading */
	int stat_ok;		/* stat_* hold a reading of memory.stat */
	double stat_at;		/* when (the now of memcg_read) */
	uint64_t stat_usage;	/* usage then, bytes */
	uint64_t inactive;	/* inactive file cache then, bytes */
	uint64_t limit_kb;	/* the limit then, 0: none */
	struct memcg_figs figs;
};

struct memcg {
	int rootfd;		/* the cgroup mount root; -1: no figures at all */
	int procfd;		/* the /proc to read <pid>/cgroup from */
	struct memcg_ent *v;	/* sorted by id */
	size_t n, cap;
	unsigned gen;
	char *buf;
	size_t bufcap;
};

/* Open both roots; a missing one only means no figures (rootfd -1). */
void memcg_open(struct memcg *m, const char *sys_root, const char *proc_root);
/* Follow s's containers (new ones looked up, gone ones closed) and read
 * each one's figures; now is a monotonic time in seconds. Returns how many
 * containers have figures. */
size_t memcg_read(struct memcg *m, const struct sample *s, double now);
void memcg_close(struct memcg *m);

/* Parsers, apart from I/O (unit-tested, fuzzed). buf is NUL-terminated. */
/* The cgroup path of a /proc/<pid>/cgroup file: the memory controller's
 * (v1, *v2 = 0) or the unified one (*v2 = 1), relative ("docker/<id>", ""
 * for the root) into out. Returns 0, or -1: no usable line, a path with a
 * ".." component, or longer than MEMCG_PATH_MAX. */
int memcg_path(const char *buf, size_t len, char out[MEMCG_PATH_MAX + 1], int *v2);
/* The same for one v1 controller ("pids"), or the unified line when
 * controller is NULL: 0, or -1. */
int cgroup_path(const char *buf, size_t len, const char *controller, char out[MEMCG_PATH_MAX + 1]);
/* A container's own sub-cgroups count as it (podman's
 * libpod-<id>.scope/container): path (as memcg_path gives it) cut after the
 * first component that names id by lib/cgid.h's rule, the cgroup whose
 * figures are the whole container's. A path that names no id or another is
 * kept. */
void memcg_container_path(char *path, const char *id);
/* "123\n" -> 123; "max\n" (or a v1 figure >= 2^62: the kernel's "no
 * limit", rounded to pages) -> UINT64_MAX. 0, or -1 when not a number. */
int memcg_parse_num(const char *buf, uint64_t *out);
/* The value of the line "<key> N" of a memory.stat; 0, or -1 when absent. */
int memcg_parse_stat(const char *buf, const char *key, uint64_t *out);

#endif
