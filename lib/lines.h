/*
 * lines.h - read newline-terminated records from a file descriptor.
 *
 * Memory is bounded by the longest line accepted (max), never by the length
 * of the input; a longer line is skipped whole and reported as
 * CULL_LINE_TOOLONG, so a stage can say "line N: longer than M bytes" and go
 * on. Reads straight from the fd with read(2): no stdio buffering in front,
 * so a stage can poll the fd too.
 */
#ifndef CULL_LINES_H
#define CULL_LINES_H

#include <stddef.h>
#include <sys/types.h>

enum {
	CULL_LINE_EOF = -1,	/* no more input */
	CULL_LINE_ERR = -2,	/* read error, errno set */
	CULL_LINE_TOOLONG = -3,	/* line over max bytes, skipped */
	CULL_LINE_INTR = -4,	/* read interrupted by a signal: check flags, call again */
};

#define CULL_LINE_MAX_DEFAULT ((size_t)64 << 20)	/* 64 MiB */

struct cull_lines {
	int fd;
	char *buf;
	size_t cap;		/* allocated bytes */
	size_t start, end;	/* unread data is buf[start, end) */
	size_t max;		/* longest line accepted, without its '\n' */
	unsigned long lineno;	/* number of the line last returned */
	int eof;		/* read() returned 0 */
	int partial;		/* the line last returned had no '\n' (torn tail) */
};

void cull_lines_init(struct cull_lines *r, int fd, size_t max);
/* Stores the next line, without '\n' and NUL-terminated, in *line; returns
 * its length or one of the negative codes above. The line stays valid until
 * the next call. */
ssize_t cull_lines_next(struct cull_lines *r, char **line);
void cull_lines_free(struct cull_lines *r);

#endif
