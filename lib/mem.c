/* mem.c - see mem.h */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
