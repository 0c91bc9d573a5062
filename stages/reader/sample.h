/*
 * sample.h - one reading of the host: memory totals and the processes of
 * interest, in raw counters, whichever source filled it (the kernel module's
 * /proc/cull_sysinfo or a /proc scan). Percentages are computed afterwards,
 * the same way for both sources (snapshot.c).
 */
#ifndef CULL_READER_SAMPLE_H
#define CULL_READER_SAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define COMM_MAX 64		/* bytes kept of a process name */
#define CMDLINE_MAX 4096	/* bytes kept of a command line */
#define CONTAINER_ID_LEN 64	/* hex digits of a container id (lib/cgid.h) */

struct proc {
	int32_t pid, ppid;
	char state;			/* R, S, D, Z, ... */
	char comm[COMM_MAX + 1];
	char container[CONTAINER_ID_LEN + 1];	/* "" for a host process */
	char *cmdline;			/* NULs turned to spaces; "" for kernel threads */
	uint64_t vsz_kb, rss_kb;
	uint64_t cpu_ns;		/* user + system, all threads */
	uint64_t start_ns;		/* start time since boot */
	uint32_t threads;		/* its threads (procfs; 0 from the module) */
	uint64_t exec_sig;		/* procfs: changes when it execs (procfs.h); 0 unknown */
	double cpu_pct;			/* filled by snapshot.c */
};

struct mem {
	uint64_t total_kb, free_kb, available_kb, shared_kb, buffers_kb;
};

/* A container's memory cgroup as the source measured it (the module's
 * "cgroups", v3): memcg.c then reads only memory.stat and the pressure. */
struct sample_cg {
	char id[CONTAINER_ID_LEN + 1];	/* first: sorted by it (cull_id_find) */
	uint64_t usage_kb;
	uint64_t limit_kb;		/* 0: no limit */
};

struct sample {
	uint64_t uptime_ns;		/* when the sample was taken, since boot */
	struct mem mem;
	struct proc *procs;
	size_t nprocs, cap;
	uint64_t omitted;		/* processes the source left out (the module's
					 * procs_omitted, past its doc_max) */
	struct sample_cg *cgs;		/* sorted by id; none from a /proc scan */
	size_t ncgs, cgcap;
};

/* Append a zeroed proc; NULL when out of memory. */
struct proc *sample_add(struct sample *s);
/* The entry of container id, added (zeroed but for its id) if it is not
 * there (out of memory is fatal: mem.h). */
struct sample_cg *sample_cg_add(struct sample *s, const char *id);
/* The entry of container id, or NULL. */
const struct sample_cg *sample_cg_find(const struct sample *s, const char *id);
void sample_clear(struct sample *s);	/* forget the procs, keep the memory */
void sample_truncate(struct sample *s, size_t n);	/* forget the procs from the n-th on */
void sample_free(struct sample *s);

/*
 * The container id in a whole /proc/<pid>/cgroup file: the first line whose
 * path names a container by lib/cgid.h's rule (every runtime's form).
 * Writes it NUL-terminated into id and returns 1, or returns 0 when the
 * process belongs to no container.
 */
int cgroup_container_id(const char *buf, size_t len, char id[CONTAINER_ID_LEN + 1]);

/*
 * Read path (relative to dirfd, or absolute) into *buf, growing it and *cap
 * as needed: the whole file, or its first max bytes when max is not 0.
 * NUL-terminates it; returns its length, or -1 with errno set.
 */
ssize_t read_file_at(int dirfd, const char *path, char **buf, size_t *cap, size_t max);
/* The same from an open file, from its start whatever its offset (pread: a
 * file kept open is read again so). short_end: a read shorter than asked
 * is the end, as it is for a file the kernel makes whole at each read and
 * hands over up to the room asked for: a seq_file of one record
 * (single_open: /proc/<pid>/stat, meminfo) and /proc/<pid>/cmdline, whose
 * read loops until the room or the arguments end; that saves the read that
 * would return 0. Not for a seq_file of many records (cgroup.procs): a read
 * returns one buffer of them (a page at first), short of the room though
 * more follow. */
ssize_t read_fd(int fd, char **buf, size_t *cap, size_t max, int short_end);

#endif
