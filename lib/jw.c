/* jw.c - see jw.h */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jesc.h"
#include "jw.h"

static void
reserve(struct jw *w, size_t more)
{
	size_t cap;
	char *nb;

	if (w->len + more <= w->cap)
		return;
	cap = w->cap ? w->cap : 4096;
	while (cap < w->len + more)
		cap *= 2;
	nb = realloc(w->buf, cap);
	if (!nb)
		cull_die(CULL_EXIT_FAIL, "fatal: out of memory");
	w->buf = nb;
	w->cap = cap;
}

static inline void
put(struct jw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void
putc1(struct jw *w, char c)
{
	reserve(w, 1);
	w->buf[w->len++] = c;
}

void
jw_reset(struct jw *w)
{
	w->len = 0;
	w->depth = 0;
}

void
jw_free(struct jw *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

static void
put_cb(void *ctx, const char *p, size_t n)
{
	put(ctx, p, n);
}

void
jw_escape(struct jw *w, const char *str, size_t n)
{
	reserve(w, n + 2);
	cull_json_escape(w, put_cb, str, n);
}

/* Comma if needed, then "key": */
static void
prefix(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->first[w->depth - 1])
			putc1(w, ',');
		w->first[w->depth - 1] = 0;
	}
	if (key) {
		putc1(w, '"');
		jw_escape(w, key, strlen(key));
		put(w, "\":", 2);
	}
}

static void
open_level(struct jw *w, const char *key, char c)
{
	prefix(w, key);
	putc1(w, c);
	if (w->depth >= JW_DEPTH)
		cull_die(CULL_EXIT_FAIL, "fatal: JSON nested deeper than %d", JW_DEPTH);
	w->closer[w->depth] = c == '{' ? '}' : ']';
	w->first[w->depth++] = 1;
}

void jw_open(struct jw *w, const char *key) { open_level(w, key, '{'); }
void jw_arr(struct jw *w, const char *key) { open_level(w, key, '['); }

void
jw_end(struct jw *w)
{
	if (w->depth <= 0)
		return;
	w->depth--;
	putc1(w, w->closer[w->depth]);
}

void
jw_strn(struct jw *w, const char *key, const char *s, size_t n)
{
	prefix(w, key);
	putc1(w, '"');
	jw_escape(w, s, n);
	putc1(w, '"');
}

void
jw_str(struct jw *w, const char *key, const char *s)
{
	jw_strn(w, key, s ? s : "", s ? strlen(s) : 0);
}

void
jw_int(struct jw *w, const char *key, long long v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%lld", v);

	prefix(w, key);
	put(w, b, (size_t)n);
}

void
jw_uint(struct jw *w, const char *key, unsigned long long v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%llu", v);

	prefix(w, key);
	put(w, b, (size_t)n);
}

void
jw_num(struct jw *w, const char *key, double v, int decimals)
{
	char b[64];
	int n;

	if (!isfinite(v)) {
		jw_null(w, key);
		return;
	}
	if (v == 0)
		v = 0;	/* no "-0.00" */
	n = snprintf(b, sizeof b, "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= sizeof b)
		n = snprintf(b, sizeof b, "%.17g", v);
	if (n >= 2 && b[0] == '-' && strspn(b + 1, "0.") == (size_t)n - 1) {
		prefix(w, key);	/* -0.000 after rounding */
		put(w, b + 1, (size_t)n - 1);
		return;
	}
	prefix(w, key);
	put(w, b, (size_t)n);
}

void
jw_bool(struct jw *w, const char *key, int v)
{
	prefix(w, key);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void
jw_null(struct jw *w, const char *key)
{
	prefix(w, key);
	put(w, "null", 4);
}

void
jw_raw(struct jw *w, const char *key, const char *json, size_t n)
{
	prefix(w, key);
	put(w, json, n);
}

int
jw_line(struct jw *w, FILE *f)
{
	size_t n;
	int bad;

	putc1(w, '\n');
	/* A line that fits stdio's buffer is "written" whole even when the
	 * write(2) behind it fails (EPIPE): only the error flag tells. */
	errno = 0;
	n = fwrite(w->buf, 1, w->len, f);
	bad = n != w->len || fflush(f) != 0 || ferror(f);
	jw_reset(w);
	if (bad && errno == 0)
		errno = EIO;
	return bad ? -1 : 0;
}
