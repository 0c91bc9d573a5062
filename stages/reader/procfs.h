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

/*
 * Between full scans, the containers' own cgroups. A full scan opens the
 * cgroup file of every process on the host, and on a host of a few hundred
 * processes and a few containers that is most of the reader's CPU time (the
 * kernel prints each process's path in every hierarchy under a lock). What
 * it finds is also where each container lives: its memory cgroup (v1) or
 * its cgroup (v2), whose cgroup.procs lists its processes. So after a full
 * scan the next snapshots read only those lists, and stat and cmdline of
 * the processes in them: a process forked or exec'd in a known container is
 * there at once. A full scan again finds new containers and checks the
 * shortcut: every rescan_s seconds (--rescan; longer while the engine's
 * events are followed, since their start events tell of new containers:
 * procfs_add), and at once when procfs_rescan says so. The shortcut is not taken (full scans only)
 * with --all, a --proc-root that is not this process's own live /proc
 * (cgroup.procs speaks of our pid namespace), no cgroup mount, or when a
 * container's processes were found in more than one cgroup (nested cgroups,
 * whose processes its cgroup.procs does not list).
 *
 * cgroup.procs is read only when the container's tasks may have changed.
 * The pids controller counts them, threads included, in pids.current
 * (kept open: a counter, not a list the kernel builds and sorts); when it
 * equals the threads (stat's num_threads) of the processes cgroup.procs
 * listed last, each of them still the same process (its start time) and
 * not a zombie, that list stands. Else, when there is no pids.current, and
 * at least every PROCFS_LIST_S seconds (a thread that ends as a process
 * starts leaves the count as it was), cgroup.procs is opened anew: read
 * again through a kept descriptor, cgroup v1 serves a pid list up to a
 * second old (../shared/NOTES.md).
 *
 * One read does for all the containers of one parent cgroup (/docker, a
 * pod's): the parent's pids.current counts their tasks together. When it
 * equals the threads of all their listed processes (each the same process,
 * not a zombie; a list over PROCFS_LIST_S old read again on the way), every
 * list stands and no container's own count is read. Else each container is
 * checked on its own, as above. A parent that does not add up twice in a
 * row (it has tasks of its own, or of what is not a container: systemd's
 * system.slice) is not asked again until the next full scan.
 */
#define PROCFS_RESCAN_S 5.0		/* the default of --rescan */
#define PROCFS_RESCAN_EVENTS_S 60.0	/* its default while the engine's events say what starts */
#define PROCFS_LIST_S 5.0		/* the longest a container's list of processes stands */
#define PROCFS_GRP_MISSES 2		/* a parent that did not add up so often is let be */

struct procfs_task {
	int32_t pid;
	uint64_t start_ns;	/* 0: not read */
};

struct procfs_ctr {
	char id[CONTAINER_ID_LEN + 1];
	char *path;		/* its cgroup, as /proc/<pid>/cgroup names it */
	int dirfd;		/* that cgroup's directory; -1: not open */
	int v2;			/* path is a cgroup v2 path (else under memory/) */
	int pids_fd;		/* its pids.current; -1: none */
	struct procfs_task *tasks;	/* its processes, as cgroup.procs last listed them */
	size_t ntasks, captasks;
	double listed_at;	/* when (cull_mono) */
	unsigned gen;		/* the last full scan that found it */
	int grp;		/* its parent's index in procfs.grp; -1: none */
	unsigned stood;		/* the snapshot whose parent's count listed it */
};

/* A parent of containers' cgroups, whose count of tasks is theirs together */
struct procfs_grp {
	char *path;		/* in the pids hierarchy (v1), or the v2 tree */
	int v2;
	int fd;			/* its pids.current; -1: none */
	int misses;		/* snapshots in a row it did not add up */
};

/*
 * The processes' own files stay open. Opening /proc/<pid>/stat and
 * cmdline costs a path walk and an allocation each, and closing them
 * another call; read again from their start (pread) they give the same
 * fresh figures for the cost of the read alone. A descriptor follows its
 * process, not its pid: once the process is gone a read fails (ESRCH), the
 * descriptors are closed, and a new process with that pid is opened anew.
 * Those of a process no snapshot lists any more are closed after it. At
 * most PROCFS_KEEP_MAX processes (and half the descriptors the limit
 * allows, less PROCFS_KEEP_SPARE) are kept; the others are opened each
 * time. Only on a live /proc: a test's fake tree is read anew each time.
 */
#define PROCFS_KEEP_MAX 4096
/*
 * A command line is read again only when it may have changed: the kernel
 * copies it out of the process's memory, page by page (the most costly
 * read of a snapshot after stat). An exec moves the code, the stack and
 * the arguments (exec_sig, from stat: read anyway), so a process that
 * execs shows its new command line at once; one that rewrites its own
 * arguments in place (setproctitle) shows it within PROCFS_CMDLINE_S.
 */
#define PROCFS_CMDLINE_S 5.0
#define PROCFS_KEEP_SPARE 512

struct procfs_pid {
	int32_t pid;
	int stat_fd, cmd_fd;	/* its stat and cmdline; -1: not open */
	unsigned snap;		/* the last snapshot that read it */
	char *cmdline;		/* as read last (tidied), or NULL */
	uint64_t exec_sig;	/* its stat's exec_sig then */
	double cmd_at;		/* when (cull_mono) */
};

struct procfs {
	int rootfd;		/* the /proc directory */
	const char *root;	/* its path, for messages */
	int real;		/* root is a live procfs: use CLOCK_BOOTTIME */
	int all;		/* list host processes too */
	long tck;		/* clock ticks per second (USER_HZ) */
	long page_kb;		/* page size in KiB */
	char *buf;		/* read buffer */
	size_t cap;
	/* the containers' cgroups, sorted by id */
	int sysfd;		/* the cgroup mount; -1: full scans only */
	struct procfs_ctr *ctr;
	size_t nctr, capctr;
	struct procfs_grp *grp;	/* their parents */
	size_t ngrp, capgrp;
	unsigned gen;		/* full scans so far */
	int nested;		/* this full scan found a container in two cgroups */
	int fast;		/* the last full scan allows the shortcut */
	int rescan;		/* a full scan next */
	double full_at;		/* when the last one was (cull_mono) */
	double rescan_s;	/* the longest time between full scans */
	double now;		/* cull_mono() at the start of this snapshot */
	/* the processes' kept descriptors, sorted by pid */
	struct procfs_pid *kept;
	size_t nkept, capkept;
	size_t keep_max;	/* 0: none are kept */
	unsigned snap;		/* snapshots read so far */
	int meminfo_fd;		/* meminfo, kept too; -1: not open */
};

/* Returns 0, or -1 with a message on stderr. sys_root: the cgroup mount
 * (the shortcut above), NULL for none; rescan_s above. */
int procfs_open(struct procfs *pf, const char *root, int all, const char *sys_root, double rescan_s);
/* Fill s (cleared first). Returns 0, or -1 with a message on stderr when
 * the host figures (meminfo, uptime) cannot be read. Processes that vanish
 * during the scan are skipped silently. */
int procfs_read(struct procfs *pf, struct sample *s);
/* The next procfs_read is a full scan (a container has started). */
void procfs_rescan(struct procfs *pf);
/*
 * Container id has started (the engine's start event): between full scans,
 * its cgroup is looked for beside those of the containers known, at the
 * same path with its id for theirs (/docker/<id>, or with systemd's driver
 * /system.slice/docker-<id>.scope), and read from the next snapshot on, as
 * a full scan would have found it. A full scan costs a read of the cgroup
 * file of every process on the host; this, one open. Returns 0 (known, or
 * added), or -1 when it cannot be found so (no full scan yet, none known,
 * no such directory): then procfs_rescan.
 */
int procfs_add(struct procfs *pf, const char *id);
void procfs_close(struct procfs *pf);

/* Parsers, apart from I/O (unit-tested). buf must be NUL-terminated. */
int parse_stat(const char *buf, size_t len, long tck, long page_kb, struct proc *p);
int parse_meminfo(const char *buf, struct mem *m);
int parse_uptime(const char *buf, uint64_t *ns);
/* NUL separators to spaces, trailing NULs and spaces dropped; returns the new length. */
size_t cmdline_tidy(char *buf, size_t len);

#endif
