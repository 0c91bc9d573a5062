/* lib-jstrict.c - fuzz the strict JSON check against json-c: what
 * jstrict_check takes json-c takes (an array or object: json-c waits for
 * more after a lone scalar), the offset of a refusal is inside the input,
 * an object jstrict_object takes is a value jstrict_check takes, every
 * name and value its hooks see is inside the input (a name hook's refusal
 * points at the name's quote), and jstrict_compact keeps a value valid and
 * puts it on one line. */
#include <stdlib.h>
#include <string.h>

#include "jstrict.h"
#include "fuzz.h"
#include "jv.h"

struct span {
	const char *s;
	size_t n;
};

static void
inside(const struct span *in, const char *p, size_t n)
{
	if (p < in->s || n > in->n || p + n > in->s + in->n)
		abort();
}

/* Refuses a name that begins with 'x', to see where the fault points. */
static const char *
on_name(void *ctx, const char *k, size_t klen, int esc)
{
	inside(ctx, k, klen);
	(void)esc;
	return klen > 0 && k[0] == 'x' ? "x names refused" : NULL;
}

static const char *
on_value(void *ctx, const char *v, size_t vlen)
{
	inside(ctx, v, vlen);
	if (vlen == 0)
		abort();
	return NULL;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	const char *s = (const char *)data, *why;
	struct span in = { s, size };
	const struct jstrict_members m = { on_name, on_value, NULL, &in };
	size_t at, i;
	json_object *o;

	if (jstrict_check(s, size, &at) != NULL) {
		if (at > size)
			abort();
	} else {
		for (i = 0; i < size && strchr(" \t\r\n", s[i]) && s[i]; i++)
			;
		{
			/* compacted, it is still one value, on one line */
			char *c = malloc(size ? size : 1);
			size_t n = jstrict_compact(s, size, c);

			if (n > size || jstrict_check(c, n, &at) != NULL || memchr(c, '\n', n))
				abort();
			free(c);
		}
		if (i < size && s[i] == '{') {
			o = jv_parse(v, s, size);
			if (!o)
				abort();	/* json-c refuses what jstrict takes */
			json_object_put(o);
		}
	}
	why = jstrict_object(s, size, &m, &at);
	if (why == NULL) {
		if (jstrict_check(s, size, &at) != NULL)
			abort();
	} else if (at > size || (strcmp(why, "x names refused") == 0 && s[at] != '"')) {
		abort();
	}
	return 0;
}
