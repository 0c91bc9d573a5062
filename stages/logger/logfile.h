/*
 * logfile.h - the durable NDJSON log: append whole lines, read them back.
 *
 * Appends: the file is opened O_APPEND; every append is one buffer of whole
 * lines, written under an exclusive flock(2), so any number of loggers and
 * HTTP handlers can share one file and no line is ever split or interleaved.
 * A short write (disk full) is undone with ftruncate back to where the append
 * began, so the log never holds half a line we wrote.
 *
 * Reads: a snapshot of the file up to its size under a shared lock, so a
 * reader sees only appends that have finished. A last line without '\n' is a
 * torn write (a crash mid-write of something that did not lock, or a copy):
 * readers skip it with a message.
 */
#ifndef CULL_LOGFILE_H
#define CULL_LOGFILE_H

#include <stddef.h>
#include <sys/types.h>

struct logf {
	int fd;
	int regular;		/* a regular file: lock, truncate, fsync */
	int dirty;		/* written since the last fsync */
	int tail_checked;	/* the end of the file was checked for a torn line */
	double last_sync;	/* monotonic seconds of the last fsync */
	const char *path;	/* for messages; "stdout" for fd 1 */
};

/* Open path for appending (created 0644 if missing); NULL means stdout.
 * Returns 0, or -1 with errno set. */
int logf_open(struct logf *l, const char *path);
/* Append buf[0..len), which holds whole '\n'-terminated lines, in one write
 * under the lock. Returns 0, or -1 with errno set and nothing of buf left in
 * the file. */
int logf_append(struct logf *l, const char *buf, size_t len);
/* fsync when something was written and at least min_gap seconds passed since
 * the last one (0: now). Returns 0 or -1 with errno. */
int logf_sync(struct logf *l, double min_gap);
/* The same rule across processes (one HTTP handler per request): fsync
 * only when the stamp file's mtime is a second old or more, touching it
 * first so handlers of the same second skip theirs. Appends of that second
 * reach the disk with the next sync, or the kernel's writeback. */
int logf_sync_shared(struct logf *l, const char *stamp, double min_gap);
void logf_close(struct logf *l);

/* The size of the file at path, taken under a shared lock so no append is
 * half done in it; -1 with errno (ENOENT: no log yet). fd gets an open
 * read-only descriptor for pread. */
off_t logf_snapshot(const char *path, int *fd);

/* Take the lock dir/.lock (making dir first), waiting until deadline
 * (monotonic seconds) while another process holds it: 200 with *lfd
 * holding it (close to let go), 500 with a sentence in err, or 503 with
 * busy in err. Shared by the graph cache and the state (graph.h, state.h). */
int logf_lockdir(const char *dir, double deadline, int *lfd, char *err, size_t errsize,
		 const char *busy);

#endif
