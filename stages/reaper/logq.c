/*
 * logq.c - the --log-url queue: killed lines waiting to be POSTed to a
 * remote cull-logger. Bounded in lines and bytes so a dead or slow logger
 * costs a known amount of memory and never a delay: when it is full, a line
 * is dropped and counted, and the kill has already happened anyway.
 */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "reaper.h"

void
logq_init(struct logq *q, size_t max_lines, size_t max_bytes)
{
	memset(q, 0, sizeof *q);
	q->max_lines = max_lines;
	q->max_bytes = max_bytes;
}

int
logq_push(struct logq *q, const char *line, size_t len)
{
	if (q->b.count >= q->max_lines || q->b.len + len + 1 > q->max_bytes) {
		q->dropped++;
		return -1;
	}
	cull_linebuf_put(&q->b, line, len);
	return 0;
}

size_t
logq_take(struct logq *q, char **buf, size_t *lines)
{
	size_t len = q->b.len;

	*buf = q->b.buf;
	*lines = q->b.count;
	memset(&q->b, 0, sizeof q->b);
	return len;
}

void
logq_free(struct logq *q)
{
	free(q->b.buf);
	memset(&q->b, 0, sizeof q->b);
}
