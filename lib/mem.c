/* mem.c - see mem.h */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__	/* from the headers above */
#include <malloc.h>
#endif

#include "clock.h"
#include "err.h"
#include "mem.h"

void *
cull_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 32;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	if (elem && n > SIZE_MAX / elem)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	p = realloc(p, n * elem);
	if (!p)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	*cap = n;
	return p;
}

char *
cull_strdup(const char *s)
{
	char *c = strdup(s);

	if (!c)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	return c;
}

void
cull_linebuf_put(struct cull_linebuf *b, const char *s, size_t n)
{
	if (n >= SIZE_MAX - b->len - 1)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	b->buf = cull_grow(b->buf, &b->cap, b->len + n + 1, 1);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len++] = '\n';
	b->count++;
}

size_t
cull_id_find(const void *base, size_t n, size_t size, const char *id, int *found)
{
	size_t lo = 0, hi = n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp((const char *)base + mid * size, id);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *
cull_insert(void *base, size_t *n, size_t *cap, size_t at, size_t size)
{
	char *b = cull_grow(base, cap, *n + 1, size);

	memmove(b + (at + 1) * size, b + at * size, (*n - at) * size);
	memset(b + at * size, 0, size);
	(*n)++;
	return b;
}

int
cull_heap_trim(void)
{
	static double last = -1;
	double now = cull_mono();

	if (last >= 0 && now - last < 1.0)
		return 0;
	last = now;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
	return 1;
}
