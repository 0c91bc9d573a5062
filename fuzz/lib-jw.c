/* lib-jw.c - any bytes escaped by the JSON writer parse back as a valid
 * JSON string, equal to the input when the input is valid UTF-8 without NUL,
 * and are the bytes the plain escaper (jesc.h) writes, for the writer's
 * eight-at-a-time scan; the first eight bytes as a double are written as
 * printf's "%.*f" writes them, for its printf-free numbers. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jesc.h"
#include "jv.h"
#include "jw.h"

static void
ref_put(void *ctx, const char *p, size_t n)
{
	struct jw *r = ctx;

	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

static void
check_one(double v, int d)
{
	struct jw w = {0};
	char want[400];

	jw_num(&w, NULL, v, d);
	if (v != v || v - v != 0) {	/* NaN, infinities: null */
		if (w.len != 4 || memcmp(w.buf, "null", 4))
			abort();
	} else if (snprintf(want, sizeof want, "%.*f", d, v == 0 ? 0.0 : v) < 63) {
		char *t = want;

		if (want[0] == '-' && strspn(want + 1, "0.") == strlen(want) - 1)
			t++;	/* a zero has no sign */
		if (w.len != strlen(t) || memcmp(w.buf, t, w.len))
			abort();
	}
	jw_free(&w);
}

/* The bytes as any double, and as a binary fraction (k / 2^e: the exact
 * ties, 0.125 and the like, printf breaks to even) */
static void
check_number(const unsigned char *data, size_t size)
{
	double v;
	int32_t k;

	if (size < 9)
		return;
	memcpy(&v, data, sizeof v);
	check_one(v, data[8] % 8);
	memcpy(&k, data, sizeof k);
	check_one(ldexp((double)k, -(data[4] % 24)), data[8] % 8);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct jv *v = fuzz_jv();
	struct jw w = {0};
	json_object *o, *f;

	jw_open(&w, NULL);
	jw_strn(&w, "s", (const char *)data, size);
	jw_end(&w);
	o = jv_parse(v, w.buf, w.len);
	if (!o || !json_object_object_get_ex(o, "s", &f))
		abort();
	if (!memchr(data, 0, size) && !memmem(w.buf, w.len, "\\ufffd", 6)) {
		if ((size_t)json_object_get_string_len(f) != size ||
		    memcmp(json_object_get_string(f), data, size) != 0)
			abort();	/* valid text must round-trip exactly */
	}
	json_object_put(o);
	{
		struct jw e = {0}, r = {0};

		r.buf = malloc(size * 6 + 1);
		if (!r.buf)
			abort();
		jw_escape(&e, (const char *)data, size);
		cull_json_escape(&r, ref_put, (const char *)data, size);
		if (e.len != r.len || (r.len && memcmp(e.buf, r.buf, r.len)))
			abort();
		free(r.buf);
		jw_free(&e);
	}
	check_number(data, size);
	jw_free(&w);
	return 0;
}
