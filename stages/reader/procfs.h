/*
 * procfs.h - the figures of the module's report, computed from a plain /proc
 * scan: /proc/meminfo, /proc/uptime, and per process cgroup, stat and
 * cmdline. The root is a parameter, so tests point it at a fake tree.
 *
 * Per process, cgroup is read first: a host process costs one open and is
 * dropped unless all is set. VSZ and RSS come from stat (fields 23 and 24),
 * which holds what statm does, so statm is not opened: opening files is most
 * of the cost of a scan (NOTES.md).
 */
#ifndef CULL_READER_PROCFS_H
#define CULL_READER_PROCFS_H

#include "sample.h"

struct procfs {
	int rootfd;		/* the /proc directory */
	const char *root;	/* its path, for messages */
	int real;		/* root is a live procfs: use CLOCK_BOOTTIME */
	int all;		/* list host processes too */
	long tck;		/* clock ticks per second (USER_HZ) */
	long page_kb;		/* page size in KiB */
	char *buf;		/* read buffer */
	size_t cap;
};

/* Returns 0, or -1 with a message on stderr. */
int procfs_open(struct procfs *pf, const char *root, int all);
/* Fill s (cleared first). Returns 0, or -1 with a message on stderr when
 * the host figures (meminfo, uptime) cannot be read. Processes that vanish
 * during the scan are skipped silently. */
int procfs_read(struct procfs *pf, struct sample *s);
void procfs_close(struct procfs *pf);

/* Parsers, apart from I/O (unit-tested). buf must be NUL-terminated. */
int parse_stat(const char *buf, size_t len, long tck, long page_kb, struct proc *p);
int parse_meminfo(const char *buf, struct mem *m);
int parse_uptime(const char *buf, uint64_t *ns);
/* NUL separators to spaces, trailing NULs and spaces dropped; returns the new length. */
size_t cmdline_tidy(char *buf, size_t len);

#endif
