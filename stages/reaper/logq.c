/*
 * logq.c - the --log-url queue: killed lines waiting to be POSTed to a
 * remote cull-logger. Bounded in lines and bytes so a dead or slow logger
 * costs a known amount of memory and never a delay: when it is full, a line
 * is dropped and counted, and the kill has already happened anyway.
 */
#include <stdlib.h>
#include <string.h>

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
	if (q->lines >= q->max_lines || q->len + len + 1 > q->max_bytes) {
		q->dropped++;
		return -1;
	}
	if (q->len + len + 1 > q->cap) {
		size_t cap = q->cap ? q->cap : 4096;
		char *nb;

		while (cap < q->len + len + 1)
			cap *= 2;
		if (!(nb = realloc(q->buf, cap))) {
			q->dropped++;
			return -1;
		}
		q->buf = nb;
		q->cap = cap;
	}
	memcpy(q->buf + q->len, line, len);
	q->len += len;
	q->buf[q->len++] = '\n';
	q->lines++;
	return 0;
}

size_t
logq_take(struct logq *q, char **buf, size_t *lines)
{
	size_t len = q->len;

	*buf = q->buf;
	*lines = q->lines;
	q->buf = NULL;
	q->len = q->cap = q->lines = 0;
	return len;
}

void
logq_free(struct logq *q)
{
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = q->lines = 0;
}
