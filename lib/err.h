/*
 * err.h - diagnostics on stderr, one shape for every cull program.
 *
 *   cull-ranker: line 12: "rss_kb" is negative
 *   cull-reader: fatal: cannot open /proc/meminfo: No such file or directory
 *
 * A format that ends in ':' gets ": strerror(errno)" appended (as sbase's
 * eprintf does). stdout is the data channel: nothing here writes to it.
 */
#ifndef CULL_ERR_H
#define CULL_ERR_H

/* Exit codes, the same in every program (DESIGN.md "Errors"). */
enum {
	CULL_EXIT_OK = 0,
	CULL_EXIT_FAIL = 1,	/* runtime failure */
	CULL_EXIT_USAGE = 2,	/* bad option or argument */
};

extern const char *cull_prog;	/* "cull-reader", set by cull_setprog() */

void cull_setprog(const char *argv0);
void cull_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cull_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Make stdout line-buffered (into a pipe it would be block-buffered and the
 * next stage would wait on kilobytes) and let EPIPE come back as an error
 * instead of a silent death, so the program can flush and say why it ended. */
void cull_stdio_setup(void);

/* fflush + ferror check on stdout; on failure says why and exits 1, or 0 when
 * the reader went away (EPIPE): nobody is left to read what we would say. */
void cull_stdout_close(void);

#endif
